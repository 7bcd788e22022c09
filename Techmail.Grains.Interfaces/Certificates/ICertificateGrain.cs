using Orleans.Concurrency;

namespace Techmail.Certificates;

/// <summary>
/// A tenant's S/MIME and CA certificates and CRLs. Key: the tenant name. Holds nothing between calls: intake
/// reads the same tables directly, and harvesting customer certificates writes them without a grain call.
/// </summary>
[Alias("Techmail.ICertificateGrain")]
public interface ICertificateGrain : IGrainWithStringKey
{
    /// <summary>Stores a certificate (PEM or DER), a PKCS#12 file with its private key, or a CRL.</summary>
    /// <param name="kind">For certificates: mailbox, ca or customer; null guesses (a key makes a mailbox certificate, a CA flag a CA).</param>
    /// <exception cref="CertificateException">The file is not something that can be stored, or the password is wrong.</exception>
    [Alias("Import"), Requires(Permission.ManageSettings)]
    Task<CertificateImportResult> Import(byte[] content, string? password, CertificateKind? kind);

    [Alias("List"), ReadOnly, Requires(Permission.ReadSettings)]
    Task<CertificateListing> List();

    [Alias("Show"), ReadOnly, Requires(Permission.ReadSettings)]
    Task<CertificateInfo?> Show(string thumbprint);

    /// <summary>Removes a certificate or CRL by thumbprint.</summary>
    /// <exception cref="CertificateException">Not found, or a mailbox still uses it (the mailbox is named).</exception>
    [Alias("Remove"), Requires(Permission.ManageSettings)]
    Task Remove(string thumbprint);

    /// <summary>The certificate a mailbox with this From address signs with, or null.</summary>
    [Alias("ForMailbox"), ReadOnly, Requires(Permission.ReadSettings)]
    Task<CertificateInfo?> ForMailbox(string address);
}
