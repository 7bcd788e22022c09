using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;

namespace Techmail.Security.KeyRing;

/// <summary>
/// Seals one secret part of a key ring entry with a key file's key: AES-256-GCM, the key file's id as associated data.
/// GCM's tag makes a wrong key an error, never a key ring of garbage.
/// </summary>
public static class KeyFileSeal
{
    public static readonly XName ElementName = XName.Get("sealedWithKeyFile", "urn:techmail:keyring");
    private const string KeyIdAttribute = "keyId";
    private const string Algorithm = "AES-256-GCM";
    private const int NonceBytes = 12, TagBytes = 16;

    public static XElement Close(XElement plaintext, KeyRingKey key)
    {
        var clear = Encoding.UTF8.GetBytes(plaintext.ToString(SaveOptions.DisableFormatting));
        var sealedBytes = new byte[NonceBytes + TagBytes + clear.Length];
        var nonce = sealedBytes.AsSpan(0, NonceBytes);
        RandomNumberGenerator.Fill(nonce);
        using (var aes = new AesGcm(key.Bytes, TagBytes))
        {
            aes.Encrypt(nonce, clear, sealedBytes.AsSpan(NonceBytes + TagBytes), sealedBytes.AsSpan(NonceBytes, TagBytes), Encoding.ASCII.GetBytes(key.Id));
        }

        CryptographicOperations.ZeroMemory(clear);
        return new XElement(
            ElementName,
            new XAttribute(KeyIdAttribute, key.Id),
            new XAttribute("algorithm", Algorithm),
            Convert.ToBase64String(sealedBytes));
    }

    /// <summary>The id of the key file that sealed this element.</summary>
    public static string KeyId(XElement sealedElement) =>
        (string?)sealedElement.Attribute(KeyIdAttribute) ?? throw new KeyRingException("a key ring entry is sealed but names no key file.");

    public static XElement Open(XElement sealedElement, KeyRingKeys keys)
    {
        if (sealedElement.Name != ElementName)
        {
            throw new KeyRingException($"a key ring entry holds <{sealedElement.Name.LocalName}>, which the key file cannot open.");
        }

        var id = KeyId(sealedElement);
        var key = keys.Find(id) ?? throw new KeyRingException(
            $"a key ring entry was sealed with the key file whose id is {id}, and this silo was not given that file " +
            $"(it holds {keys.Describe()}). Start it with that key file as {KeyRingKeys.KeyFileSetting}, or as one of " +
            $"{KeyRingKeys.PreviousKeyFilesSetting} while rotating.");
        var sealedBytes = Convert.FromBase64String(sealedElement.Value);
        if (sealedBytes.Length < NonceBytes + TagBytes)
        {
            throw new KeyRingException($"a key ring entry sealed with key file {id} is truncated.");
        }

        var clear = new byte[sealedBytes.Length - NonceBytes - TagBytes];
        try
        {
            using var aes = new AesGcm(key.Bytes, TagBytes);
            aes.Decrypt(
                sealedBytes.AsSpan(0, NonceBytes),
                sealedBytes.AsSpan(NonceBytes + TagBytes),
                sealedBytes.AsSpan(NonceBytes, TagBytes),
                clear,
                Encoding.ASCII.GetBytes(id));
        }
        catch (AuthenticationTagMismatchException)
        {
            throw new KeyRingException($"a key ring entry sealed with key file {id} ({key.Source}) does not open with it: the entry was altered.");
        }

        try
        {
            return XElement.Parse(Encoding.UTF8.GetString(clear));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(clear);
        }
    }
}
