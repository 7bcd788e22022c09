using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Techmail.Webhooks;

/// <summary>
/// The <c>Techmail-Signature</c> header: <c>t=UNIX-SECONDS,v1=HEX</c>, where HEX is HMAC-SHA256, keyed with the
/// webhook's secret (its UTF-8 bytes, prefix included), over the bytes of <c>t</c>, a dot and the body. The time is the
/// attempt's, so a receiver that refuses signatures older than a few minutes refuses a replayed request, and one that
/// remembers event ids drops a genuine retry it already handled.
/// </summary>
public static class WebhookSignature
{
    public const string Header = "Techmail-Signature";

    /// <summary>How far a receiver should let the signed time stray from its clock (what <see cref="Verify"/> uses).</summary>
    public static readonly TimeSpan Tolerance = TimeSpan.FromMinutes(5);

    public static string Sign(string secret, DateTimeOffset time, string body)
    {
        var t = time.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        return $"t={t},v1={Mac(secret, t, body)}";
    }

    /// <summary>What a receiver does: null when the header is genuine and fresh, else why not.</summary>
    public static string? Verify(string secret, string? header, string body, DateTimeOffset now)
    {
        if (string.IsNullOrEmpty(header))
        {
            return "no signature";
        }

        string? t = null;
        var candidates = new List<string>();
        foreach (var part in header.Split(','))
        {
            var pair = part.Trim();
            if (pair.StartsWith("t=", StringComparison.Ordinal))
            {
                t = pair[2..];
            }
            else if (pair.StartsWith("v1=", StringComparison.Ordinal))
            {
                candidates.Add(pair[3..]);
            }
        }

        if (t is null || !long.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            return "no timestamp";
        }

        if ((now - DateTimeOffset.FromUnixTimeSeconds(seconds)).Duration() > Tolerance)
        {
            return "timestamp outside the tolerance (a replay, or a clock far off)";
        }

        var expected = Encoding.ASCII.GetBytes(Mac(secret, t, body));
        return candidates.Any(c => CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(c))) ? null : "signature does not match";
    }

    private static string Mac(string secret, string t, string body) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{t}.{body}")));
}
