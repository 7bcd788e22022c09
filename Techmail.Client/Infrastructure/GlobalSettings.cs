using System.ComponentModel;
using Spectre.Console.Cli;

namespace Techmail.Client.Infrastructure;

public class GlobalSettings : CommandSettings
{
    [CommandOption("--gateway <HOST:PORT>")]
    [Description("Silo gateway to connect to. Default: $TECHMAIL_GATEWAY or 127.0.0.1:30000.")]
    public string? Gateway { get; init; }

    [CommandOption("--connection <CONNECTIONSTRING>")]
    [Description("Cluster profile: find gateways in this PostgreSQL database's membership table. Default: $TECHMAIL_CONNECTION.")]
    public string? Connection { get; init; }

    [CommandOption("--tenant <TENANT>")]
    [Description("Tenant to work in. Default: $TECHMAIL_TENANT or 'default'.")]
    public string? Tenant { get; init; }

    [CommandOption("--json")]
    [Description("Print JSON for scripts instead of tables.")]
    public bool Json { get; init; }

    public string EffectiveGateway => Gateway ?? Environment.GetEnvironmentVariable("TECHMAIL_GATEWAY") ?? "127.0.0.1:30000";

    public string? EffectiveConnection => Connection ?? Environment.GetEnvironmentVariable("TECHMAIL_CONNECTION");

    public string EffectiveTenant => Tenant ?? Environment.GetEnvironmentVariable("TECHMAIL_TENANT") ?? "default";
}
