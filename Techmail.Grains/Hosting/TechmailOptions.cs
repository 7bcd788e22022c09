using System.Net;
using Techmail.Outgoing;
using Techmail.Polling;
using Techmail.Storage;

namespace Techmail.Hosting;

/// <summary>The silo's settings, bound from the "Techmail" configuration section.</summary>
public sealed record TechmailOptions
{
    public const string Section = "Techmail";

    public string DataDirectory { get; init; } = "data";
    public StorageKind Storage { get; init; } = StorageKind.Sqlite;

    /// <summary>Required for PostgreSql; for Sqlite, overrides the file in the data directory.</summary>
    public string? ConnectionString { get; init; }

    /// <summary>
    /// The key file that seals the Data Protection key ring (see <see cref="Security.KeyRing.KeyRingKeys"/>). Required for
    /// PostgreSql; the embedded profile makes <c>DATA/keyring.key</c> when it is not set.
    /// </summary>
    public string? KeyRingKeyFile { get; init; }

    /// <summary>Key files of a rotation under way: entries they sealed are read, and sealed again with the current one.</summary>
    public IReadOnlyList<string> KeyRingPreviousKeyFiles { get; init; } = [];

    public int SiloPort { get; init; } = 11111;
    public int GatewayPort { get; init; } = 30000;
    public string ClusterId { get; init; } = "techmail";
    public string ServiceId { get; init; } = "techmail";

    /// <summary>The address other silos and clients reach this silo at; loopback when not set.</summary>
    public IPAddress? AdvertisedAddress { get; init; }

    /// <summary>TLS on the gateway and between silos; null (the default) leaves both in plain TCP.</summary>
    /// <summary>
    /// The address the gateway (where clients connect) listens on: loopback unless told otherwise, and another address
    /// only with TLS on (TechmailOptionsReader refuses it without). The silo-to-silo port keeps its own address.
    /// </summary>
    public IPAddress GatewayAddress { get; init; } = IPAddress.Loopback;

    public Tls.SiloTls? Tls { get; init; }

    public PollingLimits Polling { get; init; } = new();

    /// <summary>IMAP connections kept between polls (see <see cref="ImapConnectionPool"/>).</summary>
    public ImapPoolOptions ImapPool { get; init; } = new();

    public Incidents.IncidentPolicy Incidents { get; init; } = new();

    /// <summary>Retry and give-up times of the outbox; tests shorten them.</summary>
    public OutboxPolicy Outbox { get; init; } = new();

    /// <summary>Mailings' pacing and soft-bounce retries; tests shorten them.</summary>
    public Mailings.MailingPolicy Mailings { get; init; } = new();

    /// <summary>
    /// Where the public reaches this silo's HTTP host (one-click unsubscribe links in mailings), e.g.
    /// <c>https://mail.example.com</c>; null for the HTTP address and port themselves.
    /// </summary>
    public string? PublicUrl { get; init; }

    /// <summary>The one-click links' base: <see cref="PublicUrl"/>, else the HTTP host as configured.</summary>
    public string EffectivePublicUrl => (PublicUrl ?? $"http://{(HttpAddress.Equals(IPAddress.Any) ? IPAddress.Loopback : HttpAddress)}:{HttpPort}").TrimEnd('/');

    /// <summary>Webhook delivery: timeout, per-host bound, retries, and whether private addresses may receive.</summary>
    public Webhooks.WebhookPolicy Webhooks { get; init; } = new();

    /// <summary>
    /// Bytes of mail the silo's polls and incident builders may hold in memory at once (see <see cref="Resources.MemoryBudget"/>).
    /// 256 MB holds the largest batches of 4 builders and 8 polls together (32 MB and 16 MB), and hundreds of typical ones.
    /// </summary>
    public long MemoryBudgetBytes { get; init; } = 256L << 20;

    /// <summary>The silo's HTTP port: health (/healthz, /readyz), metrics (/metrics) and, when on, the dashboard.</summary>
    public int HttpPort { get; init; } = 8080;

    /// <summary>The address the HTTP endpoint listens on; loopback unless an operator opens it to the network.</summary>
    public IPAddress HttpAddress { get; init; } = IPAddress.Loopback;

    /// <summary>
    /// Serves the Orleans Dashboard at /dashboard to signed-in operators only (it shows every tenant's grains); off by
    /// default, so a silo that does not need it does not serve it at all.
    /// </summary>
    public bool Dashboard { get; init; }

    /// <summary>How the silo writes its log: lines for people (the default) or one JSON object a line for log shippers.</summary>
    public LogFormat LogFormat { get; init; } = LogFormat.Text;

    /// <summary>The share of messages whose path is traced (0 to 1) when traces are exported (OTEL_EXPORTER_OTLP_ENDPOINT).</summary>
    public double TraceSampleRatio { get; init; } = 0.1;

    /// <summary>How long bodies of sent and dropped mail, and the rows of removed mailboxes, are kept.</summary>
    public Retention.RetentionPolicy Retention { get; init; } = new();

    public string FullDataDirectory => Path.GetFullPath(DataDirectory);

    public string SqliteFile => Path.Combine(FullDataDirectory, "techmail.db");

    public TechmailDatabase Database() => Storage switch
    {
        StorageKind.Sqlite when ConnectionString is { Length: > 0 } cs => new TechmailDatabase(StorageKind.Sqlite, cs),
        StorageKind.Sqlite => TechmailDatabase.ForSqliteFile(SqliteFile),
        _ => new TechmailDatabase(Storage, ConnectionString!),
    };
}
