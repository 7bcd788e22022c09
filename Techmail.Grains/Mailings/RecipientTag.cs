using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Techmail.Mailings;

/// <summary>
/// What a mailing's mail carries to name its recipient when something comes back: mailing id, the recipient's place in
/// the list and the send attempt, signed with the tenant's mailing key. Written as <c>m{id}-{index}-{attempt}-{mac}</c>,
/// numbers in base 36 and the signature as 13 base-32 characters (64 bits): lower-case letters and digits only, so a
/// relay that lower-cases local parts changes nothing, and short enough for a local part (64 characters at most).
/// </summary>
public sealed record RecipientTag(long Mailing, long Index, int Attempt)
{
    private const string Alphabet36 = "0123456789abcdefghijklmnopqrstuvwxyz";
    private const string Alphabet32 = "abcdefghijklmnopqrstuvwxyz234567";
    private const int MacBytes = 8;

    /// <summary>The tag signed for <paramref name="tenant"/>: the tenant is signed in but not written, since the mailbox that reads it knows it.</summary>
    public string Write(string tenant, byte[] key) => $"{Body}-{Mac(tenant, key)}";

    /// <summary>The signature alone, for a one-click link that spells mailing and recipient out in its path.</summary>
    public string Mac(string tenant, byte[] key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var mac = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"techmail-mailing\n{tenant}\n{Body}"));
        return Base32(mac.AsSpan(0, MacBytes));
    }

    /// <summary>Reads a tag, any case; null when it is not one or its signature does not match.</summary>
    public static RecipientTag? Read(string? text, string tenant, byte[] key)
    {
        if (text is null) return null;
        var parts = text.Trim().ToLowerInvariant().Split('-');
        if (parts.Length != 4 || parts[0].Length < 2 || parts[0][0] != 'm'
            || FromBase36(parts[0][1..]) is not { } mailing || FromBase36(parts[1]) is not { } index
            || FromBase36(parts[2]) is not { } attempt || attempt is < 1 or > int.MaxValue)
        {
            return null;
        }

        var tag = new RecipientTag(mailing, index, (int)attempt);
        var expected = Encoding.ASCII.GetBytes(tag.Mac(tenant, key));
        return CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(parts[3])) ? tag : null;
    }

    /// <summary>The bounce address with this recipient's tag after a '+': where the recipient's bounces come back.</summary>
    public string Verp(string bounceAddress, string tenant, byte[] key)
    {
        var at = bounceAddress.LastIndexOf('@');
        if (at <= 0) throw new ArgumentException($"'{bounceAddress}' is not an email address.", nameof(bounceAddress));
        return $"{bounceAddress[..at]}+{Write(tenant, key)}{bounceAddress[at..]}";
    }

    /// <summary>
    /// The tag in a VERP address: the text after the last '+' (or '=', which some relays use for sub-addresses) of its
    /// local part, verified. Null when there is none or it is not ours.
    /// </summary>
    public static RecipientTag? FromVerp(string? address, string tenant, byte[] key)
    {
        if (address is null) return null;
        var trimmed = address.Trim().Trim('<', '>');
        var at = trimmed.LastIndexOf('@');
        if (at <= 0) return null;
        var local = trimmed[..at];
        var cut = local.LastIndexOfAny(['+', '=']);
        return cut < 0 ? null : Read(local[(cut + 1)..], tenant, key);
    }

    private string Body => $"m{ToBase36(Mailing)}-{ToBase36(Index)}-{ToBase36(Attempt)}";

    private static string ToBase36(long value)
    {
        if (value < 0) throw new ArgumentOutOfRangeException(nameof(value), "tags hold no negative numbers");
        if (value == 0) return "0";
        var text = new StringBuilder();
        while (value > 0)
        {
            text.Insert(0, Alphabet36[(int)(value % 36)]);
            value /= 36;
        }

        return text.ToString();
    }

    private static long? FromBase36(string text)
    {
        if (text.Length is 0 or > 12) return null;
        long value = 0;
        foreach (var c in text)
        {
            var digit = Alphabet36.IndexOf(c, StringComparison.Ordinal);
            if (digit < 0) return null;
            value = value * 36 + digit;
        }

        return value;
    }

    private static string Base32(ReadOnlySpan<byte> bytes)
    {
        var text = new StringBuilder();
        int buffer = 0, bits = 0;
        foreach (var b in bytes)
        {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 5)
            {
                text.Append(Alphabet32[(buffer >> (bits - 5)) & 31]);
                bits -= 5;
            }
        }

        if (bits > 0)
        {
            text.Append(Alphabet32[(buffer << (5 - bits)) & 31]);
        }

        return text.ToString();
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"mailing {Mailing}, recipient {Index}, attempt {Attempt}");
}
