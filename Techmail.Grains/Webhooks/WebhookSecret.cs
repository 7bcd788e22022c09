using System.Security.Cryptography;

namespace Techmail.Webhooks;

/// <summary>A new webhook's secret: <c>whsec_</c> and 32 random bytes in base64url, 256 bits like the HMAC's key.</summary>
public static class WebhookSecret
{
    public static string New() => "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
