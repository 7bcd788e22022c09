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

    [CommandOption("--tls-certificate <FILE>")]
    [Description("PEM certificate this client presents to a silo with TLS on (its key too, unless --tls-key). Default: $TECHMAIL_TLS_CERTIFICATE.")]
    public string? TlsCertificate { get; init; }

    [CommandOption("--tls-key <FILE>")]
    [Description("PEM private key of --tls-certificate, when in a file of its own. Default: $TECHMAIL_TLS_KEY.")]
    public string? TlsKey { get; init; }

    [CommandOption("--tls-key-password-file <FILE>")]
    [Description("File holding the password of an encrypted --tls-key. Default: $TECHMAIL_TLS_KEY_PASSWORD_FILE.")]
    public string? TlsKeyPasswordFile { get; init; }

    [CommandOption("--tls-ca <FILE>")]
    [Description("PEM certificate of the CA that issued the silos' certificates; turns TLS on. Default: $TECHMAIL_TLS_CA.")]
    public string? TlsCa { get; init; }

    [CommandOption("--token <TOKEN>")]
    [Description("Access token (techmail token create). Default: --token-file, $TECHMAIL_TOKEN, $TECHMAIL_TOKEN_FILE, or data/operator-token here.")]
    public string? Token { get; init; }

    [CommandOption("--token-file <FILE>")]
    [Description("File holding the access token on its first line (keeps it out of the process list).")]
    public string? TokenFile { get; init; }

    public string EffectiveGateway => Gateway ?? Environment.GetEnvironmentVariable("TECHMAIL_GATEWAY") ?? "127.0.0.1:30000";

    public string? EffectiveConnection => Connection ?? Environment.GetEnvironmentVariable("TECHMAIL_CONNECTION");

    public string EffectiveTenant => Tenant ?? Environment.GetEnvironmentVariable("TECHMAIL_TENANT") ?? "default";

    public string? EffectiveTlsCertificate => TlsCertificate ?? Environment.GetEnvironmentVariable("TECHMAIL_TLS_CERTIFICATE");

    public string? EffectiveTlsKey => TlsKey ?? Environment.GetEnvironmentVariable("TECHMAIL_TLS_KEY");

    public string? EffectiveTlsKeyPasswordFile => TlsKeyPasswordFile ?? Environment.GetEnvironmentVariable("TECHMAIL_TLS_KEY_PASSWORD_FILE");

    public string? EffectiveTlsCa => TlsCa ?? Environment.GetEnvironmentVariable("TECHMAIL_TLS_CA");
}
