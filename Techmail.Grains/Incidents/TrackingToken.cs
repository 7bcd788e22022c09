using System.Security.Cryptography;
using System.Text;

namespace Techmail.Incidents;

/// <summary>
/// Message-IDs that say which incident a mail belongs to, <c>&lt;tm.{reference}.{random}.{mac}@{domain}&gt;</c>, so
/// a customer's reply finds its incident through In-Reply-To/References even when the subject was rewritten. The MAC
/// (HMAC-SHA256 over tenant, reference and random part, first 64 bits in hex) means nobody can make up an id that
/// files their mail into someone else's incident; the random part keeps every id unique.
/// </summary>
/// <remarks>
/// The domain is not signed: a tenant may send from several, and some relays rewrite it. A key shorter than 16
/// bytes is refused, because a weak key would make the whole scheme pointless.
/// </remarks>
public static class TrackingToken
{
    public const int MinimumKeyLength = 16;

    private const string Prefix = "tm.";
    private const int RandomLength = 8;
    private const int MacBytes = 8;
    // Lower-case base32 letters and digits: safe in a Message-ID and free of characters relays might fold.
    private const string RandomAlphabet = "abcdefghijklmnopqrstuvwxyz234567";
    // "tm." + reference + "." + random + "." + mac
    private const int LocalPartLength = 3 + 13 + 1 + RandomLength + 1 + MacBytes * 2;
    // Far beyond any id Techmail writes; stops a hostile References header from costing more than a glance.
    private const int MaxCandidates = 100;

    /// <summary>A new Message-ID, angle brackets included, for mail about <paramref name="reference"/>.</summary>
    /// <param name="domain">The sending domain in ASCII (an internationalised domain in its xn-- form).</param>
    public static string Create(byte[] key, string tenant, string reference, string domain)
    {
        CheckKey(key);
        ArgumentException.ThrowIfNullOrEmpty(tenant);
        if (!IncidentReference.TryParse(reference, out var parsed) || parsed.ToString() != reference)
        {
            throw new ArgumentException($"'{reference}' is not an incident reference (YYMMDD-NNNNNN).", nameof(reference));
        }

        if (!IsDomain(domain))
        {
            throw new ArgumentException($"'{domain}' is not an ASCII domain name.", nameof(domain));
        }

        var random = RandomNumberGenerator.GetString(RandomAlphabet, RandomLength);
        var mac = Convert.ToHexStringLower(Mac(key, tenant, reference, random));
        return $"<{Prefix}{reference}.{random}.{mac}@{domain}>";
    }

    /// <summary>
    /// The reference carried by a Techmail Message-ID signed with <paramref name="key"/> for <paramref name="tenant"/>.
    /// Accepts the id with or without angle brackets, or a whole header value listing several ids (the first valid
    /// one wins). Never throws on the value: anything unreadable or unsigned is simply not ours.
    /// </summary>
    public static bool TryRead(byte[] key, string tenant, string? messageIdOrHeaderValue, out string reference)
    {
        CheckKey(key);
        ArgumentException.ThrowIfNullOrEmpty(tenant);
        foreach (var candidate in Candidates(messageIdOrHeaderValue).Take(MaxCandidates))
        {
            if (TryReadOne(key, tenant, candidate, out reference))
            {
                return true;
            }
        }

        reference = "";
        return false;
    }

    /// <summary>
    /// The incident a reply belongs to: In-Reply-To first (the mail answered), then References from the newest
    /// back, since a customer replying to their own earlier mail has only their own id in In-Reply-To.
    /// </summary>
    /// <param name="references">The References ids in header order (oldest first), bare or bracketed, or whole header values.</param>
    public static string? FindInReplyHeaders(byte[] key, string tenant, string? inReplyTo, IEnumerable<string>? references)
    {
        CheckKey(key);
        ArgumentException.ThrowIfNullOrEmpty(tenant);
        if (TryRead(key, tenant, inReplyTo, out var reference))
        {
            return reference;
        }

        if (references is null)
        {
            return null;
        }

        // Only the newest ids are looked at: a thread long enough to exceed this has a newer Techmail id anyway.
        var ids = references.SelectMany(Candidates).TakeLast(MaxCandidates).Reverse();
        foreach (var id in ids)
        {
            if (TryReadOne(key, tenant, id, out reference))
            {
                return reference;
            }
        }

        return null;
    }

    private static bool TryReadOne(byte[] key, string tenant, string id, out string reference)
    {
        reference = "";
        var at = id.LastIndexOf('@');
        if (at != LocalPartLength || at == id.Length - 1 || !id.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var parts = id[Prefix.Length..at].Split('.');
        if (parts.Length != 3 || !IncidentReference.TryParse(parts[0], out _) || parts[0].Length != 13)
        {
            return false;
        }

        // Some systems upper-case ids they pass on; the id was signed in lower case.
        var random = parts[1].ToLowerInvariant();
        if (random.Length != RandomLength || random.Any(c => !RandomAlphabet.Contains(c)))
        {
            return false;
        }

        var macText = parts[2];
        if (macText.Length != MacBytes * 2 || !macText.All(char.IsAsciiHexDigit))
        {
            return false;
        }

        var expected = Mac(key, tenant, parts[0], random);
        if (!CryptographicOperations.FixedTimeEquals(expected, Convert.FromHexString(macText)))
        {
            return false;
        }

        reference = parts[0];
        return true;
    }

    /// <summary>The ids in a header value: each &lt;...&gt;, or the bare words when it has no brackets.</summary>
    private static IEnumerable<string> Candidates(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            yield break;
        }

        if (!value.Contains('<'))
        {
            foreach (var word in value.Split([' ', '\t', '\r', '\n', ','], StringSplitOptions.RemoveEmptyEntries))
            {
                yield return word;
            }

            yield break;
        }

        var position = 0;
        while (position < value.Length)
        {
            var open = value.IndexOf('<', position);
            if (open < 0)
            {
                yield break;
            }

            var close = value.IndexOf('>', open + 1);
            if (close < 0)
            {
                yield break;
            }

            yield return value[(open + 1)..close].Trim();
            position = close + 1;
        }
    }

    private static byte[] Mac(byte[] key, string tenant, string reference, string random)
    {
        // Reference and random part never contain '|', so the joined text splits back one way only.
        var signed = Encoding.UTF8.GetBytes($"{tenant}|{reference}|{random}");
        return HMACSHA256.HashData(key, signed)[..MacBytes];
    }

    private static void CheckKey(byte[] key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.Length < MinimumKeyLength)
        {
            throw new ArgumentException($"a tracking key needs at least {MinimumKeyLength} bytes.", nameof(key));
        }
    }

    private static bool IsDomain(string? domain)
    {
        if (string.IsNullOrEmpty(domain) || domain.Length > 253 || domain.StartsWith('.') || domain.EndsWith('.') || domain.Contains(".."))
        {
            return false;
        }

        return domain.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.');
    }
}
