using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;

namespace Techmail.Security.KeyRing;

/// <summary>
/// Data Protection's hook for sealing the secret part of each new key ring entry before it is stored: sealed with the
/// current key file, to be opened by <see cref="KeyFileXmlDecryptor"/>.
/// </summary>
public sealed class KeyFileXmlEncryptor(KeyRingKeys keys) : IXmlEncryptor
{
    public EncryptedXmlInfo Encrypt(XElement plaintextElement) =>
        new(KeyFileSeal.Close(plaintextElement, keys.Current), typeof(KeyFileXmlDecryptor));
}

/// <summary>
/// Opens what <see cref="KeyFileXmlEncryptor"/> sealed, with the current or a previous key file. Data Protection makes
/// it by type name from the entry, with the silo's services, so the key files come from there.
/// </summary>
public sealed class KeyFileXmlDecryptor(IServiceProvider services) : IXmlDecryptor
{
    public XElement Decrypt(XElement encryptedElement) =>
        KeyFileSeal.Open(encryptedElement, (KeyRingKeys)(services.GetService(typeof(KeyRingKeys))
            ?? throw new KeyRingException("the silo has no key files to open its key ring with.")));
}
