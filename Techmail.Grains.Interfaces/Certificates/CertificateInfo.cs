namespace Techmail.Certificates;

/// <summary>A stored certificate as lists and the client show it; never the private key.</summary>
/// <param name="Thumbprint">SHA-1 of the DER bytes in upper-case hex, the way other tools print it.</param>
/// <param name="Addresses">Email addresses the certificate is for (subject alternative names, else the subject's E=).</param>
/// <param name="UsedBy">Mailboxes that sign and decrypt with it (only for mailbox certificates).</param>
[GenerateSerializer, Immutable, Alias("Techmail.CertificateInfo")]
public sealed record CertificateInfo(
    [property: Id(0)] string Thumbprint,
    [property: Id(1)] CertificateKind Kind,
    [property: Id(2)] string Subject,
    [property: Id(3)] string Issuer,
    [property: Id(4)] DateTimeOffset NotBefore,
    [property: Id(5)] DateTimeOffset NotAfter,
    [property: Id(6)] IReadOnlyList<string> Addresses,
    [property: Id(7)] bool HasPrivateKey,
    [property: Id(8)] CertificateSource Source,
    [property: Id(9)] DateTimeOffset Created,
    [property: Id(10)] IReadOnlyList<string> UsedBy);

/// <summary>A stored certificate revocation list.</summary>
[GenerateSerializer, Immutable, Alias("Techmail.CrlInfo")]
public sealed record CrlInfo(
    [property: Id(0)] string Thumbprint,
    [property: Id(1)] string Issuer,
    [property: Id(2)] DateTimeOffset ThisUpdate,
    [property: Id(3)] DateTimeOffset? NextUpdate,
    [property: Id(4)] int Revoked);

/// <summary>What one import stored: certificates (a PKCS#12 file may hold a chain) or a CRL.</summary>
[GenerateSerializer, Immutable, Alias("Techmail.CertificateImportResult")]
public sealed record CertificateImportResult(
    [property: Id(0)] IReadOnlyList<CertificateInfo> Certificates,
    [property: Id(1)] CrlInfo? Crl);

/// <summary>The tenant's certificates and CRLs.</summary>
[GenerateSerializer, Immutable, Alias("Techmail.CertificateListing")]
public sealed record CertificateListing(
    [property: Id(0)] IReadOnlyList<CertificateInfo> Certificates,
    [property: Id(1)] IReadOnlyList<CrlInfo> Crls);
