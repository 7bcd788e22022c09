using System.Security.Cryptography;
using System.Text;

namespace Techmail.Access;

/// <summary>
/// The shape of a token: <c>tm1_ID_SECRET</c>. ID (12 hex digits) finds the stored row; the whole token's SHA-256 is
/// what is stored and compared, in constant time, so a database reader learns no usable token.
/// </summary>
public static class TokenText
{
    private const string Prefix = "tm1_";

    public static (string Id, string Token) New()
    {
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        var secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return (id, $"{Prefix}{id}_{secret}");
    }

    /// <returns>The id part, or null when the text is not shaped like a token at all.</returns>
    public static string? IdOf(string token)
    {
        if (!token.StartsWith(Prefix, StringComparison.Ordinal) || token.Length < Prefix.Length + 14 || token[Prefix.Length + 12] != '_')
        {
            return null;
        }

        var id = token.Substring(Prefix.Length, 12);
        return id.All(Uri.IsHexDigit) ? id : null;
    }

    public static byte[] Hash(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));

    public static bool Matches(string token, byte[] storedHash) => CryptographicOperations.FixedTimeEquals(Hash(token), storedHash);
}
