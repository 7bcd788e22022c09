namespace Techmail.Certificates;

/// <summary>What a stored certificate is for. The numbers are fixed: they cross the wire between client and silo.</summary>
/// <remarks>
/// The two kinds of CA are kept apart on purpose: a CA trusted to vouch for customers' S/MIME signatures is not
/// thereby trusted to vouch for the mail servers a mailbox logs in to, nor the other way round.
/// </remarks>
public enum CertificateKind
{
    /// <summary>A mailbox's own certificate, with its private key: signs outgoing mail and decrypts incoming.</summary>
    Mailbox = 0,

    /// <summary>
    /// A trusted S/MIME issuer (<c>cert import --kind smime-ca</c>): a self-signed one anchors signers' chains, any other
    /// only helps build them. Stored as <c>Ca</c> before S/MIME and server trust were told apart (upgrade 006).
    /// </summary>
    SmimeCa = 1,

    /// <summary>A customer's certificate: mail to that customer is encrypted with it.</summary>
    Customer = 2,

    /// <summary>
    /// A trusted issuer of the tenant's mail servers' TLS certificates (<c>cert import --kind server-ca</c>), for every
    /// mailbox of the tenant: a self-signed one anchors server chains, any other only helps build them.
    /// </summary>
    ServerCa = 3,
}

/// <summary>How a certificate came to be stored.</summary>
public enum CertificateSource
{
    Import,
    Harvested,
}
