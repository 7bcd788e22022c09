using System.Xml.Linq;

namespace Techmail.Security.KeyRing;

/// <summary>
/// Run at every silo start, before Data Protection reads the ring: opens every entry's sealed secret with the key files
/// given (so a wrong or missing key file stops the start with the reason, instead of failing at the first poll), seals
/// the secrets of entries written before the ring was sealed, and seals again with the current key file what a previous
/// one sealed. Data Protection has no way to rewrite an entry; this does it through <see cref="IKeyRingStore.Replace"/>,
/// in the same form Data Protection writes (an <c>encryptedSecret</c> naming its decryptor), so it reads them as its own.
/// </summary>
public sealed class KeyRingSealer(IKeyRingStore store, KeyRingKeys keys)
{
    private static readonly XNamespace DataProtection = "http://schemas.asp.net/2015/03/dataProtection";
    private static readonly XName EncryptedSecret = DataProtection + "encryptedSecret";
    private static readonly XName RequiresEncryption = DataProtection + "requiresEncryption";
    private static readonly XName DecryptorType = "decryptorType";

    /// <summary>Whether any secret of the entry is sealed (by the key file or anything else).</summary>
    public static bool IsSealed(XElement entry) => entry.DescendantsAndSelf(EncryptedSecret).Any();

    /// <summary>Whether a secret of the entry is stored in the clear (an entry from before the ring was sealed).</summary>
    public static bool HasPlainSecret(XElement entry) => entry.DescendantsAndSelf().Any(RequiresSealing);

    /// <exception cref="KeyRingException">An entry cannot be opened with the key files given.</exception>
    public KeyRingSealReport Seal()
    {
        var entries = store.ReadAll();
        int sealedNow = 0, resealed = 0;
        foreach (var entry in entries)
        {
            var element = new XElement(entry.Element);
            var changed = false;
            foreach (var plain in element.DescendantsAndSelf().Where(RequiresSealing).ToList())
            {
                plain.ReplaceWith(Wrap(KeyFileSeal.Close(new XElement(plain), keys.Current)));
                sealedNow++;
                changed = true;
            }

            foreach (var wrapper in element.DescendantsAndSelf(EncryptedSecret).ToList())
            {
                var decryptor = (string?)wrapper.Attribute(DecryptorType) ?? "";
                if (!decryptor.StartsWith(typeof(KeyFileXmlDecryptor).FullName + ",", StringComparison.Ordinal) || wrapper.Elements().Count() != 1)
                {
                    throw new KeyRingException($"key ring entry {entry.Name} is sealed by {decryptor}, not by a key file; Techmail cannot open it.");
                }

                var inner = wrapper.Elements().Single();
                XElement opened;
                try
                {
                    opened = KeyFileSeal.Open(inner, keys);
                }
                catch (KeyRingException e)
                {
                    throw new KeyRingException($"key ring entry {entry.Name}: {e.Message}");
                }

                if (KeyFileSeal.KeyId(inner) != keys.Current.Id)
                {
                    wrapper.ReplaceWith(Wrap(KeyFileSeal.Close(opened, keys.Current)));
                    resealed++;
                    changed = true;
                }
            }

            if (changed)
            {
                store.Replace(entry.Name, element);
            }
        }

        return new KeyRingSealReport(entries.Count, sealedNow, resealed);
    }

    private static bool RequiresSealing(XElement element) => (bool?)element.Attribute(RequiresEncryption) == true;

    private static XElement Wrap(XElement sealedElement) =>
        new(EncryptedSecret, new XAttribute(DecryptorType, typeof(KeyFileXmlDecryptor).AssemblyQualifiedName!), sealedElement);
}

/// <param name="Entries">Entries in the ring.</param>
/// <param name="SealedNow">Secrets found in the clear (written before the ring was sealed) and sealed now.</param>
/// <param name="Resealed">Secrets a previous key file had sealed, sealed again with the current one.</param>
public sealed record KeyRingSealReport(int Entries, int SealedNow, int Resealed);
