namespace Techmail.Mailboxes;

public enum TlsMode
{
    /// <summary>Use TLS when the server offers it (SSL on connect for the well-known TLS ports, else STARTTLS when advertised).</summary>
    Auto,
    None,
    SslOnConnect,
    StartTls,
}
