using Microsoft.Extensions.Logging;
using Techmail.Hosting;

namespace Techmail.Access;

/// <summary>
/// At a silo's first start, an operator token in DATA/operator-token (owner-only), so whoever runs the silo can use
/// the CLI at once: the client run in the directory that holds data/ reads it by itself. Written only when absent; an
/// existing file is left alone, and deleting it makes the next start write a new token (revoke the old one's name).
/// </summary>
public sealed class OperatorTokenFile(TechmailOptions options, TokenIssuer issuer, ILogger<OperatorTokenFile> log) : ILifecycleParticipant<ISiloLifecycle>
{
    public const string FileName = "operator-token";

    public string Path => System.IO.Path.Combine(options.FullDataDirectory, FileName);

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(OperatorTokenFile), ServiceLifecycleStage.RuntimeInitialize, _ => Ensure());

    public async Task Ensure()
    {
        if (File.Exists(Path))
        {
            return;
        }

        Directory.CreateDirectory(options.FullDataDirectory);
        var name = $"operator-{Guid.NewGuid():N}"[..17];
        var token = await issuer.CreateOperator(name);
        var owner = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            owner.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        try
        {
            await using var file = new StreamWriter(Path, owner);
            await file.WriteLineAsync(token);
        }
        catch (IOException) when (File.Exists(Path))
        {
            // Another silo sharing this data directory wrote it first; its token serves as well as this one.
            return;
        }

        log.LogInformation("Wrote operator token {Name} to {Path} (owner-only); the CLI run beside data/ uses it", name, Path);
    }
}
