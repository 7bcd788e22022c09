using Techmail.Security.KeyRing;
using Techmail.Tests.Support;

namespace Techmail.Tests.EndToEnd;

/// <summary>The silo program with its key ring's key file: made at the first start, refused at start when missing or wrong.</summary>
public sealed class KeyRingStartTests
{
    [Fact]
    public async Task A_silo_without_its_key_file_or_with_another_one_is_refused_at_start_and_with_it_opens_what_it_sealed()
    {
        using var data = new TempDirectory("techmail-keyring");
        using var vault = new TempDirectory("techmail-vault");
        await using (var first = await SiloProcess.Start(data.Path))
        {
            Assert.Contains("Made the key file", first.Output);
            var cli = new Cli(first.Gateway, "keyring");
            var added = await cli.RunWithInput(
                "pop-Secret-77\n", "mailbox", "add", "box", "--type", "service", "--host", "pop.example.com", "--account", "box@example.com", "--password-stdin");
            Assert.True(added.ExitCode == 0, added.ToString());
            await first.Stop();
        }

        // The operator moves the key file out of the data directory (as the README advises) and forgets to say where.
        File.Move(Path.Combine(data.Path, KeyRingKeys.DefaultFileName), vault.File("keyring.key"));
        var missing = await Refused(data.Path);
        Assert.Contains("is sealed, but its key file", missing);
        Assert.False(File.Exists(Path.Combine(data.Path, KeyRingKeys.DefaultFileName)));

        KeyRingKey.Generate(vault.File("another.key"));
        var wrong = await Refused(data.Path, "--key-file", vault.File("another.key"));
        Assert.Contains("this silo was not given that file", wrong);

        await using var again = await SiloProcess.Start(data.Path, extraArgs: ["--key-file", vault.File("keyring.key")]);
        Assert.Contains("pop-Secret-77", await new Cli(again.Gateway, "keyring").Ok("mailbox", "export", "--include-secrets"));
    }

    [Fact]
    public async Task A_postgresql_silo_without_a_key_file_is_refused_with_how_to_make_one()
    {
        using var data = new TempDirectory("techmail-keyring");
        var stderr = await Refused(data.Path, "--storage", "PostgreSql", "--connection", "Host=127.0.0.1;Database=never-reached");
        Assert.Contains("Techmail:KeyRingKeyFile: is required when Storage is PostgreSql", stderr);
        Assert.Contains("openssl rand -base64 32", stderr);
    }

    /// <returns>The refused silo's standard error, after checking it exited with code 2 in one line.</returns>
    private static async Task<string> Refused(string dataDirectory, params string[] args)
    {
        var info = ProcessRunner.DotnetRun("Techmail.Silo", ["--data-dir", dataDirectory, "--silo-port", FreePort.Next().ToString(), "--gateway-port", FreePort.Next().ToString(), "--http-port", FreePort.Next().ToString(), .. args]);
        var result = await ProcessRunner.Run(info, timeout: TimeSpan.FromSeconds(120));
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.StartsWith("techmail-silo: invalid configuration: ", result.Stderr.Trim());
        Assert.Single(result.Stderr.Trim().Split('\n'));
        return result.Stderr;
    }
}
