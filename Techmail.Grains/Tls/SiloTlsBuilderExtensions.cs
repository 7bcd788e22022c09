using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Connections.Security;

namespace Techmail.Tls;

public static class SiloTlsBuilderExtensions
{
    /// <summary>
    /// TLS with mutual authentication on silo-to-silo connections (both ways) and on the gateway. Orleans' own
    /// UseTls applies one policy to all three; a gateway that admits clients without a certificate must not
    /// open the silo port to them too, so the pipelines are set up here one by one.
    /// </summary>
    public static ISiloBuilder UseTechmailTls(this ISiloBuilder silo, SiloTls tls)
    {
        var authority = new CertificateAuthority(tls.ClientCa);
        silo.Services.AddOptions<SiloConnectionOptions>().Configure<ILoggerFactory>((connections, loggers) =>
        {
            var log = loggers.CreateLogger("Techmail.Tls");
            var validate = authority.Validator(reason => log.LogWarning("TLS peer refused: {Reason}", reason));
            RemoteCertificateValidator validateMember = (certificate, chain, errors) =>
            {
                if (SiloPeer.Refusal(certificate) is { } notSilo)
                {
                    log.LogWarning("TLS peer refused on the silo port: {Reason}", notSilo);
                    return false;
                }

                return validate(certificate, chain, errors);
            };
            var members = Options(tls, validateMember, RemoteCertificateMode.RequireCertificate);
            var clients = Options(tls, validate, tls.RequireClientCertificate ? RemoteCertificateMode.RequireCertificate : RemoteCertificateMode.AllowCertificate);
            connections.ConfigureSiloInboundConnection(b => b.UseServerTls(members));
            connections.ConfigureSiloOutboundConnection(b => b.UseClientTls(members));
            connections.ConfigureGatewayInboundConnection(b => b.UseServerTls(clients));
        });
        return silo;
    }

    private static TlsOptions Options(SiloTls tls, RemoteCertificateValidator validate, RemoteCertificateMode peers) => new()
    {
        LocalCertificate = tls.Certificate,
        RemoteCertificateMode = peers,
        RemoteCertificateValidation = validate,
        // Outbound to another silo: always present our certificate (startup already checked it allows clientAuth).
        ClientCertificateMode = RemoteCertificateMode.RequireCertificate,
    };
}
