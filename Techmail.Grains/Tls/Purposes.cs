namespace Techmail.Tls;

/// <summary>Extended key usage OIDs a certificate is checked for: a TLS peer's, a mail server's, an S/MIME signer's.</summary>
public static class Purposes
{
    public const string ServerAuthentication = "1.3.6.1.5.5.7.3.1";
    public const string ClientAuthentication = "1.3.6.1.5.5.7.3.2";
    public const string EmailProtection = "1.3.6.1.5.5.7.3.4";
}
