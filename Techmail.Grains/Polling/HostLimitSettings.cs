using System.Globalization;

namespace Techmail.Polling;

/// <summary>What one host's sessions may be: the adaptive limit's floor, start and ceiling, and each account's share.</summary>
public sealed record HostSessionLimits(int Floor, int Initial, int Ceiling, int PerAccount);

/// <summary>
/// Settings named for one host in <c>Techmail:HostLimits</c>; what is not named there comes from the silo-wide settings.
/// </summary>
public sealed record HostLimitSettings(int? SessionsPerAccount = null, int? Floor = null, int? Ceiling = null)
{
    public static readonly HostLimitSettings None = new();

    /// <summary>
    /// Providers' published limits on connections per account: Gmail about 15 IMAP connections per account, Microsoft 365
    /// about 20 per mailbox. A configured entry for one of these hosts changes only what it names.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, HostLimitSettings> Providers = new Dictionary<string, HostLimitSettings>(StringComparer.OrdinalIgnoreCase)
    {
        ["imap.gmail.com"] = new(SessionsPerAccount: 15),
        ["pop.gmail.com"] = new(SessionsPerAccount: 15),
        ["outlook.office365.com"] = new(SessionsPerAccount: 20),
    };

    /// <summary>
    /// Reads <c>HOST key=N ...[, HOST key=N ...]</c>, keys <c>account</c>, <c>floor</c> and <c>ceiling</c>, e.g.
    /// <c>mail.example.com account=4 ceiling=8, imap.gmail.com account=10</c>. The result holds the providers' entries
    /// too; a configured entry for one of their hosts changes only the settings it names.
    /// </summary>
    public static IReadOnlyDictionary<string, HostLimitSettings> Parse(string value, string key, List<string> errors)
    {
        var hosts = new Dictionary<string, HostLimitSettings>(Providers, StringComparer.OrdinalIgnoreCase);
        foreach (var entry in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var words = entry.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var host = words[0];
            if (host.Contains('=') || Uri.CheckHostName(host) == UriHostNameType.Unknown)
            {
                errors.Add($"{key}: '{entry}' must start with a host name, then account=N, floor=N or ceiling=N.");
                continue;
            }

            // A provider's entry keeps what the configured one does not name.
            var settings = hosts.GetValueOrDefault(host, None);
            var named = false;
            foreach (var word in words.Skip(1))
            {
                named = true;
                var parts = word.Split('=', 2);
                if (parts.Length != 2 || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n is < 1 or > 10_000)
                {
                    errors.Add($"{key}: '{word}' (for {host}) must be account=N, floor=N or ceiling=N with N from 1 to 10000.");
                    continue;
                }

                switch (parts[0].ToLowerInvariant())
                {
                    case "account":
                        settings = settings with { SessionsPerAccount = n };
                        break;
                    case "floor":
                        settings = settings with { Floor = n };
                        break;
                    case "ceiling":
                        settings = settings with { Ceiling = n };
                        break;
                    default:
                        errors.Add($"{key}: '{parts[0]}' (for {host}) is not a setting; use account, floor or ceiling.");
                        break;
                }
            }

            if (settings.Floor is { } floor && settings.Ceiling is { } ceiling && floor > ceiling)
            {
                errors.Add($"{key}: {host}'s floor ({floor}) is above its ceiling ({ceiling}).");
            }

            if (!named)
            {
                errors.Add($"{key}: '{entry}' names no setting for {host}; use account=N, floor=N or ceiling=N.");
            }

            hosts[host] = settings;
        }

        return hosts;
    }
}
