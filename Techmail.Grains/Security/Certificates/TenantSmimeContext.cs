using MimeKit;
using MimeKit.Cryptography;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Pkix;
using Org.BouncyCastle.Utilities.Collections;
using Org.BouncyCastle.X509;

namespace Techmail.Certificates;

/// <summary>
/// MimeKit's BouncyCastle S/MIME context over one tenant's <see cref="SmimeKeyring"/>: decrypts with the tenant's
/// mailbox keys, anchors chains at its self-signed S/MIME CA certificates. Read-only: certificates enter through the certificate grain.
/// </summary>
public sealed class TenantSmimeContext(SmimeKeyring keyring) : BouncyCastleSecureMimeContext
{
    protected override X509Certificate? GetCertificate(ISelector<X509Certificate> selector) =>
        keyring.Certificates.Select(c => c.Certificate).FirstOrDefault(selector.Match);

    protected override AsymmetricKeyParameter? GetPrivateKey(ISelector<X509Certificate> selector) =>
        keyring.OfKind(CertificateKind.Mailbox).FirstOrDefault(c => c.PrivateKey is not null && selector.Match(c.Certificate))?.PrivateKey;

    // Only the tenant's self-signed S/MIME CAs anchor a chain; its server-TLS CAs play no part in S/MIME at all.
    protected override HashSet<TrustAnchor> GetTrustedAnchors() =>
        [.. keyring.OfKind(CertificateKind.SmimeCa).Where(c => c.Certificate.SubjectDN.Equivalent(c.Certificate.IssuerDN)).Select(c => new TrustAnchor(c.Certificate, null))];

    protected override IStore<X509Certificate> GetIntermediateCertificates() =>
        CollectionUtilities.CreateStore(keyring.Certificates.Where(c => c.Stored.Kind != CertificateKind.ServerCa).Select(c => c.Certificate).ToList());

    protected override IStore<X509Crl> GetCertificateRevocationLists() => CollectionUtilities.CreateStore(keyring.Crls.ToList());

    // CRLs come only from imports; never fetch one while reading mail.
    protected override DateTime GetNextCertificateRevocationListUpdate(X509Name issuer) => DateTime.MaxValue;

    protected override CmsRecipient GetCmsRecipient(MailboxAddress mailbox) =>
        keyring.CustomerCertificate(mailbox.Address, DateTimeOffset.UtcNow) is ({ } entry, _)
            ? new CmsRecipient(entry.Certificate)
            : throw new CertificateNotFoundException(mailbox, "no usable certificate");

    protected override CmsSigner GetCmsSigner(MailboxAddress mailbox, DigestAlgorithm digestAlgo) =>
        keyring.MailboxCertificate(mailbox.Address, DateTimeOffset.UtcNow) is ({ PrivateKey: { } key } entry, _)
            ? new CmsSigner(entry.Certificate, key) { DigestAlgorithm = digestAlgo }
            : throw new CertificateNotFoundException(mailbox, "no usable signing certificate");

    protected override void UpdateSecureMimeCapabilities(X509Certificate certificate, EncryptionAlgorithm[] algorithms, DateTime timestamp)
    {
        // Not remembered: every mail is encrypted with the context's default (AES) algorithms.
    }

    public override bool CanSign(MailboxAddress signer, CancellationToken cancellationToken = default) =>
        keyring.MailboxCertificate(signer.Address, DateTimeOffset.UtcNow).Entry is not null;

    public override bool CanEncrypt(MailboxAddress mailbox, CancellationToken cancellationToken = default) =>
        keyring.CustomerCertificate(mailbox.Address, DateTimeOffset.UtcNow).Entry is not null;

    public override Task ImportAsync(Stream stream, string password, CancellationToken cancellationToken = default) => throw ReadOnly();

    // MimeKit offers every certificate and CRL found in a signature here. Ignored: only a validly signed mail's signer
    // is kept (harvested by intake), so a forged signature cannot plant certificates in the tenant's store.
    public override void Import(X509Certificate certificate, CancellationToken cancellationToken = default)
    {
    }

    public override void Import(X509Crl crl, CancellationToken cancellationToken = default)
    {
    }

    public override void Import(Stream stream, string password, CancellationToken cancellationToken = default) => throw ReadOnly();

    private static NotSupportedException ReadOnly() => new("certificates are imported with 'techmail cert import'.");
}
