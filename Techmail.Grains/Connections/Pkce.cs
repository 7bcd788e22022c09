using System.Security.Cryptography;
using System.Text;

namespace Techmail.Connections;

/// <summary>
/// Proof Key for Code Exchange (RFC 7636) with the S256 method: the verifier stays with whoever started the redirect,
/// the provider sees only its hash, so a code caught on the way back is useless without the verifier.
/// </summary>
public sealed record Pkce(string Verifier, string Challenge)
{
    public const string Method = "S256";

    /// <summary>32 random bytes: a 43-character verifier, within the RFC's 43 to 128.</summary>
    public static Pkce Create()
    {
        var verifier = Base64Url.Encode(RandomNumberGenerator.GetBytes(32));
        return new Pkce(verifier, ChallengeOf(verifier));
    }

    public static string ChallengeOf(string verifier) => Base64Url.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
}
