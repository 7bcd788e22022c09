using System.Security.Cryptography.X509Certificates;
using Techmail.Hosting;

namespace Techmail.Tls;

/// <summary>
/// The Techmail:Tls* keys, collected by <see cref="TechmailOptionsReader"/> and checked together once all are
/// known, since they depend on each other. The files are loaded here so a wrong path or key stops the silo at
/// start with the key at fault, not at the first connection.
/// </summary>
public static class SiloTlsReader
{
    public static readonly string[] Keys = ["TlsCertificate", "TlsKey", "TlsKeyPasswordFile", "TlsClientCa", "TlsRequireClientCertificate"];

    /// <summary>The key as <see cref="Keys"/> spells it, or null when it is not a TLS key.</summary>
    public static string? Canonical(string key) => Keys.FirstOrDefault(k => k.Equals(key, StringComparison.OrdinalIgnoreCase));

    /// <param name="values">The Tls keys found, by name as <see cref="Keys"/> spells them.</param>
    public static SiloTls? Read(IReadOnlyDictionary<string, string> values, List<string> errors)
    {
        string Key(string name) => $"{TechmailOptions.Section}:{name}";
        string? Value(string name) => values.TryGetValue(name, out var v) && !string.IsNullOrWhiteSpace(v) ? v : null;

        var certificateFile = Value("TlsCertificate");
        if (certificateFile is null)
        {
            foreach (var name in values.Keys.Where(k => Value(k) is not null))
            {
                errors.Add($"{Key(name)}: has no effect without {Key("TlsCertificate")}, which turns TLS on.");
            }

            return null;
        }

        var require = true;
        if (Value("TlsRequireClientCertificate") is { } flag && !bool.TryParse(flag, out require))
        {
            errors.Add($"{Key("TlsRequireClientCertificate")}: '{flag}' must be true or false.");
        }

        var caFile = Value("TlsClientCa");
        if (caFile is null)
        {
            errors.Add($"{Key("TlsClientCa")}: is required with {Key("TlsCertificate")}; it is the CA whose certificates silos and clients must present.");
            return null;
        }

        try
        {
            var ca = PemFiles.LoadAuthorities(caFile);
            X509Certificate2 certificate;
            try
            {
                certificate = PemFiles.LoadIdentity(certificateFile, Value("TlsKey"), Value("TlsKeyPasswordFile"));
            }
            catch (InvalidDataException e)
            {
                errors.Add($"{Key("TlsCertificate")}: {e.Message}");
                return null;
            }

            // The silo is a server to clients and other silos, and a client when it connects to other silos.
            if (PemFiles.Unfit(certificate, server: true, client: true) is { } unfit)
            {
                errors.Add($"{Key("TlsCertificate")}: {unfit}");
                return null;
            }

            if (SiloPeer.Refusal(certificate) is { } notSilo)
            {
                errors.Add($"{Key("TlsCertificate")}: other silos would refuse it: {notSilo}.");
                return null;
            }

            if (new CertificateAuthority(ca).Check(certificate, presented: null) is { } untrusted)
            {
                errors.Add($"{Key("TlsCertificate")}: other silos would refuse it: {untrusted}.");
                return null;
            }

            return new SiloTls(certificate, ca, require);
        }
        catch (InvalidDataException e)
        {
            errors.Add($"{Key("TlsClientCa")}: {e.Message}");
            return null;
        }
    }
}
