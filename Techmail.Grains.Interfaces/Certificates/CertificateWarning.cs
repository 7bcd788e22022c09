namespace Techmail.Certificates;

/// <summary>What <c>mailbox status</c> warns about a mailbox's own certificate: missing, expired, or expiring within 30 days.</summary>
public static class CertificateWarning
{
    public static TimeSpan Lead { get; } = TimeSpan.FromDays(30);

    /// <returns>The warning, or null when the certificate is fine for more than 30 days.</returns>
    public static string? For(CertificateInfo? certificate, string address, DateTimeOffset now) => certificate switch
    {
        null => $"no mailbox certificate with a private key for {address}: S/MIME mail cannot be signed or decrypted",
        _ when certificate.NotAfter <= now => $"certificate {certificate.Thumbprint} for {address} expired on {certificate.NotAfter:yyyy-MM-dd}",
        _ when certificate.NotAfter - now <= Lead =>
            $"certificate {certificate.Thumbprint} for {address} expires on {certificate.NotAfter:yyyy-MM-dd} (in {Math.Ceiling((certificate.NotAfter - now).TotalDays):0} days)",
        _ => null,
    };
}
