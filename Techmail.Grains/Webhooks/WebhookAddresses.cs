using System.Net;
using System.Net.Sockets;

namespace Techmail.Webhooks;

/// <summary>
/// Which addresses a webhook may reach. A receiver's URL is given by a tenant's admin, and the silo sits inside the
/// operator's network: without this, a webhook to 127.0.0.1, 10.x, 169.254.169.254 (a cloud's metadata service) or
/// fd00:: would make the silo a way in (SSRF). Non-public addresses are refused unless the operator allowed them
/// (<c>Techmail:WebhookAllowPrivateAddresses</c>). The check is made on the addresses actually connected to, after
/// name resolution, so a name that resolves to a private address (or is made to, between two lookups) is refused too.
/// </summary>
public static class WebhookAddresses
{
    public static bool IsPublic(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return !(b[0] == 0                                   // "this" network
                || b[0] == 10                                    // private
                || b[0] == 127                                   // loopback
                || (b[0] == 100 && b[1] >= 64 && b[1] <= 127)    // carrier-grade NAT
                || (b[0] == 169 && b[1] == 254)                  // link-local, cloud metadata
                || (b[0] == 172 && b[1] >= 16 && b[1] <= 31)     // private
                || (b[0] == 192 && b[1] == 0 && b[2] == 0)       // IETF protocol assignments
                || (b[0] == 192 && b[1] == 0 && b[2] == 2)       // documentation
                || (b[0] == 192 && b[1] == 168)                  // private
                || (b[0] == 198 && (b[1] == 18 || b[1] == 19))   // benchmarking
                || (b[0] == 198 && b[1] == 51 && b[2] == 100)    // documentation
                || (b[0] == 203 && b[1] == 0 && b[2] == 113)     // documentation
                || b[0] >= 224);                                 // multicast, reserved, broadcast
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            var b = address.GetAddressBytes();
            return !(IPAddress.IsLoopback(address)
                || address.Equals(IPAddress.IPv6None)
                || address.IsIPv6LinkLocal
                || address.IsIPv6SiteLocal
                || address.IsIPv6Multicast
                || (b[0] & 0xFE) == 0xFC                         // unique local fc00::/7
                || (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0D && b[3] == 0xB8) // documentation
                || (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xFF && b[3] == 0x9B && IsNat64Private(b)));
        }

        return false;
    }

    /// <summary>Checks a webhook's URL when it is added: its form, and a host that is plainly not public.</summary>
    /// <returns>The URL as it will be used.</returns>
    /// <exception cref="WebhookException">What is wrong with it.</exception>
    public static Uri CheckUrl(string? url, bool allowPrivate)
    {
        if (string.IsNullOrWhiteSpace(url))
        {
            throw new WebhookException(WebhookErrorKind.Invalid, "url: required, e.g. https://hooks.example.com/techmail.");
        }

        if (url.Length > 2000 || url.Any(char.IsControl) || url.Contains(' ', StringComparison.Ordinal))
        {
            throw new WebhookException(WebhookErrorKind.Invalid, "url: at most 2,000 characters, without spaces or control characters.");
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            throw new WebhookException(WebhookErrorKind.Invalid, $"url: '{url}' is not an absolute http or https URL.");
        }

        if (uri.UserInfo.Length > 0)
        {
            throw new WebhookException(WebhookErrorKind.Invalid, "url: must not carry a user name or password; receivers check the signature instead.");
        }

        if (uri.Fragment.Length > 0)
        {
            throw new WebhookException(WebhookErrorKind.Invalid, "url: must not have a fragment (#...), which is never sent.");
        }

        if (!allowPrivate)
        {
            var host = uri.IdnHost.TrimEnd('.');
            var plainlyLocal = host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase);
            if (plainlyLocal || (IPAddress.TryParse(host, out var literal) && !IsPublic(literal)))
            {
                throw new WebhookException(
                    WebhookErrorKind.Invalid,
                    $"url: {uri.Host} is not a public address; webhooks to loopback and private networks need the operator's Techmail:WebhookAllowPrivateAddresses=true.");
            }
        }

        return uri;
    }

    // 64:ff9b::/96 carries IPv4 addresses; the embedded one decides.
    private static bool IsNat64Private(byte[] b) =>
        b[4..12].All(x => x == 0) && !IsPublic(new IPAddress(b[12..16]));
}
