using System.Security.Cryptography;

namespace Techmail.Security.KeyRing;

/// <summary>
/// One key file's key: 32 random bytes that seal the Data Protection key ring (never the secrets themselves).
/// </summary>
/// <param name="Id">
/// The first 8 bytes of the key's SHA-256, in hex: written beside each entry it seals, so an entry names the key file it
/// needs without revealing anything of the key.
/// </param>
/// <param name="Source">The file it came from, for error messages.</param>
public sealed record KeyRingKey(string Id, byte[] Bytes, string Source)
{
    public const int Length = 32;

    /// <summary>What a key file must hold, and how to make one; said in every error about a key file.</summary>
    public const string Format = "32 random bytes in base64 (make one with: openssl rand -base64 32 > keyring.key && chmod 600 keyring.key)";

    public static KeyRingKey FromBytes(byte[] bytes, string source) =>
        new(Convert.ToHexString(SHA256.HashData(bytes).AsSpan(0, 8)).ToLowerInvariant(), bytes, source);

    /// <summary>Reads a key file; any problem is a <see cref="KeyRingException"/> naming the file and the setting.</summary>
    public static KeyRingKey Read(string path, string setting)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new KeyRingException($"{setting}: cannot read the key file {path}: {e.Message}");
        }

        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(text.Trim());
        }
        catch (FormatException)
        {
            throw new KeyRingException($"{setting}: the key file {path} is not base64; it must hold {Format}.");
        }

        return bytes.Length == Length
            ? FromBytes(bytes, path)
            : throw new KeyRingException($"{setting}: the key file {path} holds {bytes.Length} bytes; it must hold {Format}.");
    }

    /// <summary>Writes a new random key file readable by its owner only; fails if the file exists.</summary>
    public static KeyRingKey Generate(string path)
    {
        var bytes = RandomNumberGenerator.GetBytes(Length);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(path, options))
        using (var writer = new StreamWriter(stream))
        {
            writer.WriteLine(Convert.ToBase64String(bytes));
        }

        return FromBytes(bytes, path);
    }
}
