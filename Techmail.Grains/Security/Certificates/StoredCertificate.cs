namespace Techmail.Certificates;

/// <summary>A row of <c>techmail_certificates</c>: the certificate's bytes and, for a mailbox certificate, its sealed key.</summary>
/// <param name="SealedKey">The PKCS#8 private key, base64, sealed with <see cref="Security.ISecretProtector"/>.</param>
public sealed record StoredCertificate(
    string Thumbprint,
    CertificateKind Kind,
    string Subject,
    string Issuer,
    DateTimeOffset NotBefore,
    DateTimeOffset NotAfter,
    IReadOnlyList<string> Addresses,
    byte[] Der,
    string? SealedKey,
    CertificateSource Source,
    DateTimeOffset Created)
{
    public CertificateInfo Info(IReadOnlyList<string> usedBy) =>
        new(Thumbprint, Kind, Subject, Issuer, NotBefore, NotAfter, Addresses, SealedKey is not null, Source, Created, usedBy);
}

/// <summary>A row of <c>techmail_crls</c>.</summary>
public sealed record StoredCrl(string Thumbprint, string Issuer, DateTimeOffset ThisUpdate, DateTimeOffset? NextUpdate, int Revoked, byte[] Der)
{
    public CrlInfo Info => new(Thumbprint, Issuer, ThisUpdate, NextUpdate, Revoked);
}
