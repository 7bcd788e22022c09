using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Techmail.Tls;

/// <summary>
/// What sets a silo's certificate apart from a client's, both issued by the same CA: a silo also serves (its
/// extendedKeyUsage names serverAuth), a client only authenticates. The silo-to-silo port admits only the former, so an
/// admin's client certificate opens the gateway and nothing else.
/// </summary>
public static class SiloPeer
{
    public static string? Refusal(X509Certificate2 certificate)
    {
        var usages = certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().FirstOrDefault()?.EnhancedKeyUsages;
        return usages is not null && usages.Cast<Oid>().Any(o => o.Value == Purposes.ServerAuthentication)
            ? null
            : $"{certificate.Subject} is not a silo's certificate (its extendedKeyUsage must name serverAuth); client certificates are for the gateway only";
    }
}
