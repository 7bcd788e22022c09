using System.Security.Cryptography;
using System.Text;

namespace Techmail.Polling;

public static class MessageKeys
{
    /// <summary>
    /// SHA-256 over the server's id and the raw bytes. The id alone could be reused by a server after a reset;
    /// the bytes alone would merge two genuinely separate identical messages.
    /// </summary>
    public static string For(string serverUid, ReadOnlySpan<byte> raw)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes(serverUid));
        hash.AppendData([0]);
        hash.AppendData(raw);
        Span<byte> digest = stackalloc byte[32];
        hash.GetHashAndReset(digest);
        // 128 bits: collisions are out of reach, and the key stays short in indexes.
        return Convert.ToHexStringLower(digest[..16]);
    }
}
