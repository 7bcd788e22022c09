namespace Techmail.Mailboxes;

public enum TlsMode
{
    /// <summary>
    /// TLS always: implicit TLS on the TLS ports (993, 995, 465), STARTTLS everywhere else, and a server that does not
    /// offer STARTTLS is refused. Never plaintext; that is <see cref="None"/>, chosen explicitly.
    /// </summary>
    Auto,
    None,
    SslOnConnect,
    StartTls,
}
