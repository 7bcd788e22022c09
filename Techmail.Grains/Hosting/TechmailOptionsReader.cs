using System.Globalization;
using System.Net;
using Microsoft.Extensions.Configuration;
using Techmail.Incidents;
using Techmail.Storage;
using Techmail.Tls;

namespace Techmail.Hosting;

/// <summary>
/// Reads <see cref="TechmailOptions"/> by hand rather than with the binder, so that a typo or a bad value is
/// reported with the exact key at fault instead of being silently ignored.
/// </summary>
public static class TechmailOptionsReader
{
    public static (TechmailOptions Options, IReadOnlyList<string> Errors) Read(IConfiguration configuration)
    {
        var section = configuration.GetSection(TechmailOptions.Section);
        var errors = new List<string>();
        var options = new TechmailOptions();
        var tlsKeys = new Dictionary<string, string>();

        foreach (var child in section.GetChildren())
        {
            var key = $"{TechmailOptions.Section}:{child.Key}";
            var value = child.Value;
            if (child.Key.Equals(OpenIdConnectSection, StringComparison.OrdinalIgnoreCase))
            {
                // The console's OpenID Connect sign-in: a section of its own, read and checked by the silo's HTTP host.
                continue;
            }

            if (!Known.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
            {
                errors.Add(Unknown(key, child.Key));
                continue;
            }

            if (value is null && child.GetChildren().Any())
            {
                errors.Add($"{key}: expected a value, found a section.");
                continue;
            }

            value ??= string.Empty;
            switch (child.Key.ToLowerInvariant())
            {
                case "datadirectory":
                    if (string.IsNullOrWhiteSpace(value))
                    {
                        errors.Add($"{key}: must not be empty.");
                    }
                    else
                    {
                        options = options with { DataDirectory = value };
                    }

                    break;
                case "storage":
                    if (Enum.TryParse<StorageKind>(value, ignoreCase: true, out var kind) && Enum.IsDefined(kind) && !int.TryParse(value, out _))
                    {
                        options = options with { Storage = kind };
                    }
                    else
                    {
                        errors.Add($"{key}: '{value}' is not a storage; use Sqlite or PostgreSql.");
                    }

                    break;
                case "connectionstring":
                    options = options with { ConnectionString = value };
                    break;
                case "keyringkeyfile":
                    options = options with { KeyRingKeyFile = NonEmpty(key, value, errors) };
                    break;
                case "keyringpreviouskeyfiles":
                    // Comma-separated: one setting works the same in appsettings.json, a variable and the command line.
                    options = options with { KeyRingPreviousKeyFiles = value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries) };
                    break;
                case "siloport":
                    options = options with { SiloPort = Port(key, value, errors) };
                    break;
                case "gatewayport":
                    options = options with { GatewayPort = Port(key, value, errors) };
                    break;
                case "clusterid":
                    options = options with { ClusterId = Identifier(key, value, errors) };
                    break;
                case "serviceid":
                    options = options with { ServiceId = Identifier(key, value, errors) };
                    break;
                case "advertisedaddress":
                    if (IPAddress.TryParse(value, out var address))
                    {
                        options = options with { AdvertisedAddress = address };
                    }
                    else
                    {
                        errors.Add($"{key}: '{value}' is not an IP address.");
                    }

                    break;
                case "httpport":
                    options = options with { HttpPort = Port(key, value, errors) };
                    break;
                case "publicurl":
                    if (Uri.TryCreate(value, UriKind.Absolute, out var publicUrl) && publicUrl.Scheme is "https" or "http" && publicUrl.Query.Length == 0)
                    {
                        options = options with { PublicUrl = value.TrimEnd('/') };
                    }
                    else
                    {
                        errors.Add($"{key}: '{value}' is not an http(s) URL without a query (e.g. https://mail.example.com).");
                    }

                    break;
                case "httpaddress":
                    if (IPAddress.TryParse(value, out var httpAddress))
                    {
                        options = options with { HttpAddress = httpAddress };
                    }
                    else
                    {
                        errors.Add($"{key}: '{value}' is not an IP address (0.0.0.0 listens on every address).");
                    }

                    break;
                case "dashboard":
                    options = options with { Dashboard = Flag(key, value, errors) };
                    break;
                case "logformat":
                    if (Enum.TryParse<LogFormat>(value, ignoreCase: true, out var format) && Enum.IsDefined(format) && !int.TryParse(value, out _))
                    {
                        options = options with { LogFormat = format };
                    }
                    else
                    {
                        errors.Add($"{key}: '{value}' is not a log format; use Text or Json.");
                    }

                    break;
                case "tracesampleratio":
                    if (double.TryParse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var ratio) && ratio is >= 0 and <= 1)
                    {
                        options = options with { TraceSampleRatio = ratio };
                    }
                    else
                    {
                        errors.Add($"{key}: '{value}' must be a number from 0 to 1.");
                    }

                    break;
                case "gatewayaddress":
                    if (IPAddress.TryParse(value, out var gatewayAddress))
                    {
                        options = options with { GatewayAddress = gatewayAddress };
                    }
                    else
                    {
                        errors.Add($"{key}: '{value}' is not an IP address.");
                    }

                    break;
                case "maxconcurrentpolls":
                    options = options with { Polling = options.Polling with { MaxConcurrentPolls = Count(key, value, 1, 10_000, errors) } };
                    break;
                case "maxsessionsperhost":
                    options = options with { Polling = options.Polling with { MaxSessionsPerHost = Count(key, value, 1, 10_000, errors) } };
                    break;
                case "imappoolmaxconnections":
                    options = options with { ImapPool = options.ImapPool with { MaxConnections = Count(key, value, 0, 100_000, errors) } };
                    break;
                case "imappoolmaxperaccount":
                    options = options with { ImapPool = options.ImapPool with { MaxPerAccount = Count(key, value, 1, 1000, errors) } };
                    break;
                case "imappoolidleseconds":
                    options = options with { ImapPool = options.ImapPool with { IdleTimeout = TimeSpan.FromSeconds(Count(key, value, 10, 1740, errors)) } };
                    break;
                case "minsessionsperhost":
                    options = options with { Polling = options.Polling with { MinSessionsPerHost = Count(key, value, 1, 10_000, errors) } };
                    break;
                case "sessionsperaccount":
                    options = options with { Polling = options.Polling with { SessionsPerAccount = Count(key, value, 1, 10_000, errors) } };
                    break;
                case "hostlimits":
                    options = options with { Polling = options.Polling with { Hosts = global::Techmail.Polling.HostLimitSettings.Parse(value, key, errors) } };
                    break;
                case "pollbatchsize":
                    options = options with { Polling = options.Polling with { BatchSize = Count(key, value, 1, 10_000, errors) } };
                    break;
                case "pop3messagespersession":
                    options = options with { Polling = options.Polling with { MessagesPerSession = Count(key, value, 1, 1_000_000, errors) } };
                    break;
                case "maxdownloadmegabytes":
                    options = options with { Polling = options.Polling with { MaxDownloadBytes = (long)Count(key, value, 1, 2048, errors) << 20 } };
                    break;
                case "mailingretrydelaysseconds":
                    // Comma-separated, like the other lists: the waits after a recipient's first, second, ... soft bounce.
                    var delays = value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                        .Select(d => TimeSpan.FromSeconds(Count(key, d, 1, 7 * 24 * 3600, errors))).ToList();
                    options = options with { Mailings = options.Mailings with { SoftRetryDelays = delays.Count > 0 ? delays : options.Mailings.SoftRetryDelays } };
                    break;
                case "retryattempts":
                    options = options with { Polling = options.Polling with { RetryAttempts = Count(key, value, 0, 10, errors) } };
                    break;
                case "pollstepseconds":
                    options = options with { Polling = options.Polling with { StepTimeout = TimeSpan.FromSeconds(Count(key, value, 5, 3600, errors)) } };
                    break;
                case "pollbudgetminutes":
                    options = options with { Polling = options.Polling with { PollBudget = TimeSpan.FromMinutes(Count(key, value, 1, 1440, errors)) } };
                    break;
                case "circuitbreakseconds":
                    options = options with { Polling = options.Polling with { CircuitBreakDuration = TimeSpan.FromSeconds(Count(key, value, 1, 3600, errors)) } };
                    break;
                case "traceretentiondays":
                    options = options with { Polling = options.Polling with { TraceRetention = TimeSpan.FromDays(Count(key, value, 1, 3650, errors)) } };
                    break;
                case "memorybudgetmegabytes":
                    options = options with { MemoryBudgetBytes = (long)Count(key, value, 16, 1_048_576, errors) << 20 };
                    break;
                case "sentbodyretentiondays":
                    options = options with { Retention = options.Retention with { SentBodies = TimeSpan.FromDays(Count(key, value, 1, 3650, errors)) } };
                    break;
                case "droppedquarantineretentiondays":
                    options = options with { Retention = options.Retention with { DroppedQuarantine = TimeSpan.FromDays(Count(key, value, 1, 3650, errors)) } };
                    break;
                case "removedmailboxretentiondays":
                    options = options with { Retention = options.Retention with { RemovedMailboxes = TimeSpan.FromDays(Count(key, value, 1, 3650, errors)) } };
                    break;
                case "finishedwebhookretentiondays":
                    options = options with { Retention = options.Retention with { FinishedWebhookDeliveries = TimeSpan.FromDays(Count(key, value, 1, 3650, errors)) } };
                    break;
                case "secureupdate":
                    options = options with { Incidents = options.Incidents with { SecureUpdate = Flag(key, value, errors) } };
                    break;
                case "replymarker":
                    options = options with { Incidents = options.Incidents with { ReplyMarker = Flag(key, value, errors) } };
                    break;
                case "createcontacts":
                    options = options with { Incidents = options.Incidents with { CreateContacts = Flag(key, value, errors) } };
                    break;
                case "solvedreplies":
                    if (Enum.TryParse<SolvedReplies>(value, ignoreCase: true, out var solved) && Enum.IsDefined(solved) && !int.TryParse(value, out _))
                    {
                        options = options with { Incidents = options.Incidents with { SolvedReplies = solved } };
                    }
                    else
                    {
                        errors.Add($"{key}: '{value}' is not a choice; use Reopen or NewIncident.");
                    }

                    break;
                case "floodmaxmessages":
                    options = options with { Incidents = options.Incidents with { Flood = options.Incidents.Flood with { MaxMessages = Count(key, value, 1, 100_000, errors) } } };
                    break;
                case "floodwindowminutes":
                    options = options with { Incidents = options.Incidents with { Flood = options.Incidents.Flood with { Window = TimeSpan.FromMinutes(Count(key, value, 1, 10_080, errors)) } } };
                    break;
                case "duplicatewindowhours":
                    options = options with { Incidents = options.Incidents with { DuplicateWindow = TimeSpan.FromHours(Count(key, value, 0, 8_760, errors)) } };
                    break;
                case "acknowledgementsubject":
                    options = options with { Incidents = options.Incidents with { AcknowledgementSubject = Template(key, value, singleLine: true, errors) } };
                    break;
                case "acknowledgementbody":
                    options = options with { Incidents = options.Incidents with { AcknowledgementBody = Template(key, value, singleLine: false, errors) } };
                    break;
                case "webhookallowprivateaddresses":
                    options = options with { Webhooks = options.Webhooks with { AllowPrivateAddresses = Flag(key, value, errors) } };
                    break;
                case "webhooktimeoutseconds":
                    options = options with { Webhooks = options.Webhooks with { Timeout = TimeSpan.FromSeconds(Count(key, value, 1, 300, errors)) } };
                    break;
                case "webhookconcurrencyperhost":
                    options = options with { Webhooks = options.Webhooks with { ConcurrencyPerHost = Count(key, value, 1, 256, errors) } };
                    break;
                case "webhookfirstretryseconds":
                    options = options with { Webhooks = options.Webhooks with { FirstRetry = TimeSpan.FromSeconds(Count(key, value, 1, 3600, errors)) } };
                    break;
                case "webhookgiveuphours":
                    options = options with { Webhooks = options.Webhooks with { GiveUpAfter = TimeSpan.FromHours(Count(key, value, 1, 720, errors)) } };
                    break;
                case var _ when SiloTlsReader.Canonical(child.Key) is { } tlsKey:
                    tlsKeys[tlsKey] = value;
                    break;
                default:
                    errors.Add(Unknown(key, child.Key));
                    break;
            }
        }

        options = options with { Tls = SiloTlsReader.Read(tlsKeys, errors) };

        if (options.Storage == StorageKind.PostgreSql && string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            errors.Add($"{TechmailOptions.Section}:ConnectionString: is required when Storage is PostgreSql.");
        }

        if (options.Storage == StorageKind.PostgreSql && options.KeyRingKeyFile is null && !errors.Any(e => e.StartsWith($"{TechmailOptions.Section}:KeyRingKeyFile:", StringComparison.OrdinalIgnoreCase)))
        {
            errors.Add(
                $"{TechmailOptions.Section}:KeyRingKeyFile: is required when Storage is PostgreSql: the key ring that seals mailbox passwords is " +
                $"kept in the database, sealed with this file, which must not be; give every silo the same one (make it with: openssl rand -base64 32 > keyring.key && chmod 600 keyring.key).");
        }

        // Tokens travel in every call; without TLS anyone on the path reads them, so only loopback may go without.
        if (!IPAddress.IsLoopback(options.GatewayAddress) && options.Tls is null && errors.Count == 0)
        {
            errors.Add(
                $"{TechmailOptions.Section}:GatewayAddress: {options.GatewayAddress} would open the gateway to the network without TLS; " +
                $"turn TLS on ({TechmailOptions.Section}:TlsCertificate and TlsClientCa) or leave the gateway on 127.0.0.1.");
        }

        if (options.Polling.MinSessionsPerHost > options.Polling.MaxSessionsPerHost && errors.Count == 0)
        {
            errors.Add($"{TechmailOptions.Section}:MinSessionsPerHost: {options.Polling.MinSessionsPerHost} is above MaxSessionsPerHost ({options.Polling.MaxSessionsPerHost}), the ceiling of each host's limit.");
        }

        if (options.SiloPort == options.GatewayPort && errors.Count == 0)
        {
            errors.Add($"{TechmailOptions.Section}:GatewayPort: must differ from SiloPort ({options.SiloPort}).");
        }

        if ((options.HttpPort == options.SiloPort || options.HttpPort == options.GatewayPort) && errors.Count == 0)
        {
            errors.Add($"{TechmailOptions.Section}:HttpPort: must differ from SiloPort ({options.SiloPort}) and GatewayPort ({options.GatewayPort}).");
        }

        return (options, errors);
    }

    private const string OpenIdConnectSection = "OpenIdConnect";

    private static readonly string[] Known =
    [
        "DataDirectory", "Storage", "ConnectionString", "KeyRingKeyFile", "KeyRingPreviousKeyFiles", "SiloPort", "GatewayPort", "ClusterId", "ServiceId", "AdvertisedAddress", "GatewayAddress",
        "HttpPort", "HttpAddress", "PublicUrl", "MailingRetryDelaysSeconds", "Dashboard", "LogFormat", "TraceSampleRatio",
        "MaxConcurrentPolls", "MaxSessionsPerHost", "MinSessionsPerHost", "SessionsPerAccount", "HostLimits", "ImapPoolMaxConnections", "ImapPoolMaxPerAccount", "ImapPoolIdleSeconds", "PollBatchSize", "Pop3MessagesPerSession", "MaxDownloadMegabytes", "RetryAttempts", "CircuitBreakSeconds",
        "PollStepSeconds", "PollBudgetMinutes",
        "TraceRetentionDays", "MemoryBudgetMegabytes", "SentBodyRetentionDays", "DroppedQuarantineRetentionDays", "RemovedMailboxRetentionDays", "FinishedWebhookRetentionDays",
        "SecureUpdate", "CreateContacts", "SolvedReplies", "FloodMaxMessages", "FloodWindowMinutes", "DuplicateWindowHours",
        "AcknowledgementSubject", "AcknowledgementBody", "ReplyMarker",
        "WebhookAllowPrivateAddresses", "WebhookTimeoutSeconds", "WebhookConcurrencyPerHost", "WebhookFirstRetrySeconds", "WebhookGiveUpHours",
        .. SiloTlsReader.Keys,
    ];

    private static string Unknown(string key, string name)
    {
        var hint = ClosestName.Among(name, Known, StringComparison.OrdinalIgnoreCase) is { } near ? $" Did you mean {TechmailOptions.Section}:{near}?" : "";
        return $"{key}: unknown setting.{hint} Known: {string.Join(", ", Known)}.";
    }

    private static string? NonEmpty(string key, string value, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            errors.Add($"{key}: must not be empty.");
            return null;
        }

        return value;
    }

    private static bool Flag(string key, string value, List<string> errors)
    {
        if (bool.TryParse(value, out var flag))
        {
            return flag;
        }

        errors.Add($"{key}: '{value}' must be true or false.");
        return false;
    }

    private static string Template(string key, string value, bool singleLine, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(value) || (singleLine && (value.Contains('\r') || value.Contains('\n'))))
        {
            errors.Add($"{key}: must not be empty{(singleLine ? " and must be one line" : "")}.");
        }

        return value;
    }

    private static int Count(string key, string value, int min, int max, List<string> errors)
    {
        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max)
        {
            return n;
        }

        errors.Add($"{key}: '{value}' must be a whole number from {min} to {max}.");
        return min;
    }

    private static int Port(string key, string value, List<string> errors)
    {
        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is >= 1 and <= 65535)
        {
            return port;
        }

        errors.Add($"{key}: '{value}' is not a port number (1-65535).");
        return 0;
    }

    private static string Identifier(string key, string value, List<string> errors)
    {
        if (value.Length is > 0 and <= 64 && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            return value;
        }

        errors.Add($"{key}: '{value}' must be 1-64 letters, digits, '-', '_' or '.'.");
        return "invalid";
    }
}
