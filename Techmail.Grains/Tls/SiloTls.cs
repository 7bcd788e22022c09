using System.Security.Cryptography.X509Certificates;

namespace Techmail.Tls;

/// <summary>A silo's TLS identity and the CA its peers (silos and admin clients) must be issued by.</summary>
public sealed record SiloTls(X509Certificate2 Certificate, X509Certificate2Collection ClientCa, bool RequireClientCertificate);
