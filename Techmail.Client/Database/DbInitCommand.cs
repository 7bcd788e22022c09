using System.ComponentModel;
using Spectre.Console.Cli;
using Techmail.Client.Infrastructure;
using Techmail.Storage;

namespace Techmail.Client.Database;

public sealed class DbInitSettings : CommandSettings
{
    [CommandOption("--connection <CONNECTIONSTRING>"), Description("The database to prepare. Default: $TECHMAIL_CONNECTION.")]
    public string? Connection { get; init; }

    [CommandOption("--storage <KIND>"), Description("postgresql (default) or sqlite.")]
    public string Storage { get; init; } = "postgresql";

    [CommandOption("--json")]
    public bool Json { get; init; }
}

/// <summary>Applies the project's SQL scripts ahead of the silos, e.g. by an admin whose silos may not create tables.</summary>
public sealed class DbInitCommand : AsyncCommand<DbInitSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, DbInitSettings o, CancellationToken cancellationToken)
    {
        var connection = o.Connection ?? Environment.GetEnvironmentVariable("TECHMAIL_CONNECTION");
        if (string.IsNullOrWhiteSpace(connection))
        {
            Output.Error("--connection (or $TECHMAIL_CONNECTION) is required.");
            return ExitCodes.Usage;
        }

        if (!Enum.TryParse<StorageKind>(o.Storage, ignoreCase: true, out var kind) || int.TryParse(o.Storage, out _))
        {
            Output.Error($"--storage '{o.Storage}': use postgresql or sqlite.");
            return ExitCodes.Usage;
        }

        try
        {
            var applied = await SchemaInstaller.Apply(new TechmailDatabase(kind, connection), cancellationToken);
            if (o.Json)
            {
                Output.WriteJson(new { storage = kind, scripts = SchemaInstaller.Scripts(kind) });
            }
            else
            {
                Console.WriteLine($"Applied {applied} script(s) for {kind}: {string.Join(", ", SchemaInstaller.Scripts(kind))}.");
            }

            return ExitCodes.Ok;
        }
        catch (Exception e) when (e is System.Data.Common.DbException or ArgumentException or InvalidOperationException or System.Net.Sockets.SocketException)
        {
            Output.Error($"cannot prepare the {kind} database: {e.Message.Split('\n')[0]}");
            return ExitCodes.Unreachable;
        }
    }
}
