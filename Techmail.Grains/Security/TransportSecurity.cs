using MailKit.Security;
using Techmail.Mailboxes;
using Techmail.Polling;

namespace Techmail.Security;

/// <summary>
/// How a connection to a mail server is encrypted, for POP3, IMAP and SMTP alike. Nothing here ever falls back to
/// plaintext: <see cref="TlsMode.Auto"/> is implicit TLS on the TLS ports and STARTTLS required everywhere else, so a
/// man in the middle who strips STARTTLS from the server's capabilities gets a refused connection, not a password.
/// Only <see cref="TlsMode.None"/>, an admin's explicit choice, talks in the clear.
/// </summary>
public static class TransportSecurity
{
    /// <summary>IMAPS, POP3S and SMTP submission over implicit TLS (RFC 8314).</summary>
    private static readonly HashSet<int> ImplicitTlsPorts = [993, 995, 465];

    public static SecureSocketOptions SocketOptions(TlsMode mode, int port) => mode switch
    {
        TlsMode.None => SecureSocketOptions.None,
        TlsMode.SslOnConnect => SecureSocketOptions.SslOnConnect,
        TlsMode.StartTls => SecureSocketOptions.StartTls,
        _ => ImplicitTlsPorts.Contains(port) ? SecureSocketOptions.SslOnConnect : SecureSocketOptions.StartTls,
    };

    /// <summary>
    /// The refusal for a server that did not offer STARTTLS where it was required, or null when <paramref name="e"/>
    /// is something else. MailKit's connect says so with a <see cref="NotSupportedException"/> before anything is sent.
    /// </summary>
    /// <param name="options">What the connect was asked for: only a required STARTTLS can be missing.</param>
    /// <param name="tlsOption">The client option that sets the mode, named in the fix (<c>--tls</c> or <c>--smtp-tls</c>).</param>
    public static MailFetchException? StartTlsMissing(Exception e, SecureSocketOptions options, string server, string tlsOption) =>
        e is NotSupportedException && options == SecureSocketOptions.StartTls
            ? new MailFetchException(
                MailFetchFailure.Certificate,
                $"{server}: the server does not offer STARTTLS, so the connection cannot be encrypted (something on the way may have removed it); " +
                $"Techmail does not fall back to plaintext. Use {tlsOption} ssl if the server has a TLS port, or {tlsOption} none to allow plaintext.",
                e)
            : null;
}
