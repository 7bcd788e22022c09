namespace Techmail.Certificates;

/// <summary>What a stored certificate is for.</summary>
public enum CertificateKind
{
    /// <summary>A mailbox's own certificate, with its private key: signs outgoing mail and decrypts incoming.</summary>
    Mailbox,

    /// <summary>A trusted issuer: anchors S/MIME chains.</summary>
    Ca,

    /// <summary>A customer's certificate: mail to that customer is encrypted with it.</summary>
    Customer,
}

/// <summary>How a certificate came to be stored.</summary>
public enum CertificateSource
{
    Import,
    Harvested,
}
