using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Techmail.Tls;

/// <summary>
/// Certificates and keys from PEM files, the format openssl writes by default, so an operator's CA needs no
/// conversion step. Every failure is an <see cref="InvalidDataException"/> whose message is one line for the user.
/// </summary>
public static class PemFiles
{
    public static X509Certificate2 LoadIdentity(string certificateFile, string? keyFile, string? passwordFile)
    {
        var key = string.IsNullOrEmpty(keyFile) ? certificateFile : keyFile;
        try
        {
            using var fromPem = passwordFile is null
                ? X509Certificate2.CreateFromPemFile(certificateFile, key)
                : X509Certificate2.CreateFromEncryptedPemFile(certificateFile, ReadPassword(passwordFile), key);

            // A key read from PEM is ephemeral, which Windows' TLS stack refuses to use; a PKCS#12 round trip
            // gives the same certificate and key in a form every platform's SslStream accepts.
            return X509CertificateLoader.LoadPkcs12(fromPem.Export(X509ContentType.Pkcs12), password: null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            throw new InvalidDataException(Describe(e, certificateFile, key));
        }
    }

    public static X509Certificate2Collection LoadAuthorities(string file)
    {
        var authorities = new X509Certificate2Collection();
        try
        {
            authorities.ImportFromPemFile(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new InvalidDataException(Describe(e, file, file));
        }

        if (authorities.Count == 0)
        {
            throw new InvalidDataException($"'{file}' holds no PEM certificate.");
        }

        return authorities;
    }

    /// <summary>Problems with a certificate that would only show up later as a refused handshake.</summary>
    /// <param name="checkDates">False where the peer, not this side, is the judge of whether it is still valid.</param>
    public static string? Unfit(X509Certificate2 certificate, bool server, bool client, bool checkDates = true)
    {
        var now = DateTime.Now;
        if (checkDates && certificate.NotAfter < now)
        {
            return $"the certificate {certificate.Subject} expired on {certificate.NotAfter.ToUniversalTime():yyyy-MM-dd HH:mm} UTC.";
        }

        if (checkDates && certificate.NotBefore > now)
        {
            return $"the certificate {certificate.Subject} is not valid before {certificate.NotBefore.ToUniversalTime():yyyy-MM-dd HH:mm} UTC.";
        }

        var usages = certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().FirstOrDefault()?.EnhancedKeyUsages;
        if (usages is null)
        {
            return null;
        }

        var oids = usages.Cast<Oid>().Select(o => o.Value).ToHashSet();
        if (server && !oids.Contains(Purposes.ServerAuthentication))
        {
            return $"the certificate {certificate.Subject} is not for server authentication (extendedKeyUsage lacks serverAuth).";
        }

        if (client && !oids.Contains(Purposes.ClientAuthentication))
        {
            return $"the certificate {certificate.Subject} is not for client authentication (extendedKeyUsage lacks clientAuth).";
        }

        return null;
    }

    private static string ReadPassword(string passwordFile)
    {
        // A file, not a setting: a password in configuration or the environment ends up in logs and process listings.
        return File.ReadAllText(passwordFile).TrimEnd('\r', '\n');
    }

    private static string Describe(Exception e, string certificateFile, string keyFile) => e switch
    {
        FileNotFoundException f => $"no such file '{f.FileName}'.",
        DirectoryNotFoundException or UnauthorizedAccessException or IOException => $"cannot read '{certificateFile}' or '{keyFile}': {e.Message}",
        _ => $"cannot load '{certificateFile}' (key '{keyFile}'): {Faults.Faults.Summary(e).TrimEnd('.')}.",
    };
}
