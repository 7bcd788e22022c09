using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Connections.Security;
using Techmail.Tls;

namespace Techmail.Client.Infrastructure;

/// <summary>
/// The client's side of TLS to the gateway: the certificate it presents and the CA the silo's certificate must
/// be issued by. It also remembers why a handshake failed, since Orleans only reports that the connection closed.
/// </summary>
public sealed class ClientTls : ILoggerProvider, ILogger
{
    private readonly CertificateAuthority _authority;

    private ClientTls(X509Certificate2? certificate, CertificateAuthority authority)
    {
        Certificate = certificate;
        _authority = authority;
    }

    public X509Certificate2? Certificate { get; }

    /// <summary>Why this client refused the silo's certificate, when it did.</summary>
    public string? SiloRejected { get; private set; }

    /// <summary>Why the handshake itself failed, when it did (for instance a silo without TLS).</summary>
    public string? HandshakeFailed { get; private set; }

    /// <summary>Null when no TLS option is given: the client speaks plain TCP, as to the default silo.</summary>
    public static ClientTls? From(GlobalSettings settings)
    {
        var certificateFile = settings.EffectiveTlsCertificate;
        var caFile = settings.EffectiveTlsCa;
        if (certificateFile is null && caFile is null)
        {
            if (settings.EffectiveTlsKey is not null || settings.EffectiveTlsKeyPasswordFile is not null)
            {
                throw new CommandFailure("--tls-key and --tls-key-password-file need --tls-certificate.");
            }

            return null;
        }

        if (caFile is null)
        {
            throw new CommandFailure("--tls-certificate needs --tls-ca (or $TECHMAIL_TLS_CA): the CA that issued the silo's certificate.");
        }

        try
        {
            var authority = new CertificateAuthority(PemFiles.LoadAuthorities(caFile));
            if (certificateFile is null)
            {
                return new ClientTls(null, authority);
            }

            var certificate = PemFiles.LoadIdentity(certificateFile, settings.EffectiveTlsKey, settings.EffectiveTlsKeyPasswordFile);

            // Only a certificate that cannot be used at all is refused here; whether it is expired or from the
            // right CA is the silo's decision, and the silo says so by refusing the connection.
            if (PemFiles.Unfit(certificate, server: false, client: true, checkDates: false) is { } unfit)
            {
                throw new CommandFailure($"--tls-certificate: {unfit}");
            }

            return new ClientTls(certificate, authority);
        }
        catch (InvalidDataException e)
        {
            throw new CommandFailure($"TLS: {e.Message}");
        }
    }

    public void Apply(IClientBuilder client)
    {
        client.UseTls(options =>
        {
            options.LocalCertificate = Certificate;
            options.ClientCertificateMode = Certificate is null ? RemoteCertificateMode.NoCertificate : RemoteCertificateMode.RequireCertificate;
            options.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
            options.RemoteCertificateValidation = _authority.Validator(reason => SiloRejected ??= reason);
        });
        client.Services.AddSingleton<ILoggerProvider>(this);
    }

    public string Describe(string where)
    {
        if (SiloRejected is not null)
        {
            return $"refused the certificate of {where}: {SiloRejected}; check --tls-ca.";
        }

        if (HandshakeFailed is not null)
        {
            return $"the TLS handshake with {where} failed ({HandshakeFailed}); is TLS on at the silo?";
        }

        var mine = Certificate is null ? "no client certificate" : $"the certificate {Certificate.Subject}";
        return $"{where} refused this client's TLS connection ({mine}): it admits only unexpired certificates issued by its CA.";
    }

    ILogger ILoggerProvider.CreateLogger(string categoryName) =>
        categoryName.StartsWith("Orleans.Connections.Security", StringComparison.Ordinal) ? this : Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    void ILogger.Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (exception is not null && logLevel >= LogLevel.Warning)
        {
            var inner = exception;
            while (inner.InnerException is not null)
            {
                inner = inner.InnerException;
            }

            HandshakeFailed ??= inner.Message.Split('\n')[0].TrimEnd('.');
        }
    }

    bool ILogger.IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

    IDisposable? ILogger.BeginScope<TState>(TState state) => null;

    void IDisposable.Dispose()
    {
    }
}
