namespace Techmail.Tls;

/// <summary>Extended key usage OIDs a TLS peer's certificate is checked for.</summary>
public static class Purposes
{
    public const string ServerAuthentication = "1.3.6.1.5.5.7.3.1";
    public const string ClientAuthentication = "1.3.6.1.5.5.7.3.2";
}
