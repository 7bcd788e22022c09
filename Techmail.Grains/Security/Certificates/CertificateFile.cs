using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Org.BouncyCastle.X509;

namespace Techmail.Certificates;

/// <summary>
/// Reads what an admin imports: a certificate (PEM or DER), a PKCS#12 file with its password, or a CRL (PEM or DER),
/// into rows for <see cref="CertificateStore"/>. Refuses with a reason instead of storing something half understood.
/// </summary>
public static class CertificateFile
{
    public sealed record Parsed(IReadOnlyList<StoredCertificate> Certificates, StoredCrl? Crl);

    /// <param name="seal">Seals a PKCS#8 private key (the store's <see cref="CertificateStore.Seal"/>).</param>
    public static Parsed Read(byte[] content, string? password, CertificateKind? kind, Func<byte[], string> seal, DateTimeOffset now)
    {
        if (content.Length == 0)
        {
            throw Invalid("the file is empty.");
        }

        var text = LooksLikeText(content) ? Encoding.ASCII.GetString(content) : null;
        if (text?.Contains("-----BEGIN X509 CRL-----", StringComparison.Ordinal) == true)
        {
            return new([], ReadCrl(PemBlock(text, "X509 CRL")));
        }

        if (text?.Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal) == true)
        {
            return new([Certificate(PemBlock(text, "CERTIFICATE"), null, kind, seal, now)], null);
        }

        if (text is not null)
        {
            throw Invalid("a PEM file must hold a CERTIFICATE or an X509 CRL; import a private key as a PKCS#12 file with its password.");
        }

        switch (ContentType(content))
        {
            case X509ContentType.Cert:
                return new([Certificate(content, null, kind, seal, now)], null);
            case X509ContentType.Pkcs12:
                return new([FromPkcs12(content, password, kind, seal, now)], null);
        }

        try
        {
            return new([], ReadCrl(content));
        }
        catch (Exception)
        {
            // BouncyCastle throws a variety of types for bytes that are no CRL; the admin needs one answer.
            throw Invalid("not a certificate, PKCS#12 file or CRL.");
        }
    }

    /// <summary>The row for a certificate seen in a signed mail (a customer's).</summary>
    public static StoredCertificate Harvested(byte[] der, DateTimeOffset now) =>
        Certificate(der, null, CertificateKind.Customer, _ => throw new InvalidOperationException("no key"), now) with { Source = CertificateSource.Harvested };

    public static string Thumbprint(byte[] der) => Convert.ToHexString(SHA1.HashData(der));

    /// <summary>Email addresses a certificate is for: its subject alternative names, else the subject's E=, lower-cased.</summary>
    public static IReadOnlyList<string> Addresses(Org.BouncyCastle.X509.X509Certificate certificate)
    {
        var found = new List<string>();
        foreach (var name in certificate.GetSubjectAlternativeNames() ?? [])
        {
            if (name is [int type, string value, ..] && type == Org.BouncyCastle.Asn1.X509.GeneralName.Rfc822Name)
            {
                found.Add(value.ToLowerInvariant());
            }
        }

        if (found.Count == 0)
        {
            found.AddRange(certificate.SubjectDN.GetValueList(Org.BouncyCastle.Asn1.X509.X509Name.EmailAddress).Select(v => v.ToLowerInvariant()));
        }

        return [.. found.Distinct()];
    }

    private static StoredCertificate FromPkcs12(byte[] content, string? password, CertificateKind? kind, Func<byte[], string> seal, DateTimeOffset now)
    {
        X509Certificate2Collection all;
        try
        {
            all = X509CertificateLoader.LoadPkcs12Collection(content, password, X509KeyStorageFlags.Exportable | X509KeyStorageFlags.EphemeralKeySet);
        }
        catch (CryptographicException)
        {
            throw Invalid(password is null ? "the PKCS#12 file needs its password (--password-stdin)." : "wrong password, or a damaged PKCS#12 file.");
        }

        try
        {
            // Only the certificate with the key is stored; a chain inside the file is not trusted just for being there.
            var withKey = all.FirstOrDefault(c => c.HasPrivateKey) ?? throw Invalid("the PKCS#12 file holds no private key.");
            AsymmetricAlgorithm key = (AsymmetricAlgorithm?)withKey.GetRSAPrivateKey() ?? withKey.GetECDsaPrivateKey()
                ?? throw Invalid("only RSA and ECDSA keys are supported.");
            using (key)
            {
                return Certificate(withKey.RawData, key.ExportPkcs8PrivateKey(), kind ?? CertificateKind.Mailbox, seal, now);
            }
        }
        finally
        {
            foreach (var c in all)
            {
                c.Dispose();
            }
        }
    }

    private static StoredCertificate Certificate(byte[] der, byte[]? pkcs8, CertificateKind? kind, Func<byte[], string> seal, DateTimeOffset now)
    {
        Org.BouncyCastle.X509.X509Certificate certificate;
        try
        {
            certificate = new X509CertificateParser().ReadCertificate(der) ?? throw Invalid("not a certificate.");
        }
        catch (Exception e) when (e is not CertificateException)
        {
            throw Invalid($"not a certificate: {e.Message}");
        }

        var isCa = certificate.GetBasicConstraints() >= 0;
        if (kind is null && pkcs8 is null && isCa)
        {
            // What a CA is trusted for is the admin's decision, never a guess: S/MIME signers and mail servers are apart.
            throw Invalid($"{certificate.SubjectDN} is a CA certificate: say what it is trusted for, --kind smime-ca (customers' S/MIME signatures) or --kind server-ca (the mail servers' TLS certificates).");
        }

        var effective = kind ?? (pkcs8 is not null ? CertificateKind.Mailbox : CertificateKind.Customer);
        if (effective == CertificateKind.Mailbox && pkcs8 is null)
        {
            throw Invalid("a mailbox certificate needs its private key: import the PKCS#12 file with its password.");
        }

        if (effective is CertificateKind.SmimeCa or CertificateKind.ServerCa && !isCa)
        {
            throw Invalid($"{certificate.SubjectDN} is not a CA certificate (no CA basic constraint).");
        }

        var addresses = Addresses(certificate);
        if (effective is CertificateKind.Mailbox or CertificateKind.Customer && addresses.Count == 0)
        {
            throw Invalid($"{certificate.SubjectDN} names no email address, so no mailbox or customer can use it.");
        }

        return new StoredCertificate(
            Thumbprint(der),
            effective,
            certificate.SubjectDN.ToString(),
            certificate.IssuerDN.ToString(),
            new DateTimeOffset(DateTime.SpecifyKind(certificate.NotBefore, DateTimeKind.Utc)),
            new DateTimeOffset(DateTime.SpecifyKind(certificate.NotAfter, DateTimeKind.Utc)),
            addresses,
            der,
            effective == CertificateKind.Mailbox ? seal(pkcs8!) : null,
            CertificateSource.Import,
            now);
    }

    private static StoredCrl ReadCrl(byte[] der)
    {
        var crl = new X509CrlParser().ReadCrl(der) ?? throw Invalid("not a CRL.");
        return new StoredCrl(
            Thumbprint(der),
            crl.IssuerDN.ToString(),
            new DateTimeOffset(DateTime.SpecifyKind(crl.ThisUpdate, DateTimeKind.Utc)),
            crl.NextUpdate is { } next ? new DateTimeOffset(DateTime.SpecifyKind(next, DateTimeKind.Utc)) : null,
            crl.GetRevokedCertificates()?.Count ?? 0,
            der);
    }

    private static byte[] PemBlock(string text, string label)
    {
        var begin = $"-----BEGIN {label}-----";
        var start = text.IndexOf(begin, StringComparison.Ordinal) + begin.Length;
        var end = text.IndexOf($"-----END {label}-----", start, StringComparison.Ordinal);
        if (end < 0)
        {
            throw Invalid($"the PEM {label} block has no end line.");
        }

        try
        {
            return Convert.FromBase64String(text[start..end]);
        }
        catch (FormatException)
        {
            throw Invalid($"the PEM {label} block is not base64.");
        }
    }

    // On Linux the probe throws for content it does not know (a CRL, say) instead of answering Unknown.
    private static X509ContentType ContentType(byte[] content)
    {
        try
        {
            return X509Certificate2.GetCertContentType(content);
        }
        catch (CryptographicException)
        {
            return X509ContentType.Unknown;
        }
    }

    private static bool LooksLikeText(byte[] content) => content.Take(512).All(b => b is 9 or 10 or 13 or (>= 32 and < 127));

    private static CertificateException Invalid(string message) => new(CertificateErrorKind.Invalid, message);
}
