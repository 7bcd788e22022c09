using System.Net;
using MailKit.Security;

namespace Techmail.Authentication;

/// <summary>
/// A connection that is about to log in, whatever client speaks on it: what its server offers, whether it is
/// encrypted, and the three ways to log in. <see cref="MailLogin"/> decides which; the channel only carries it out.
/// </summary>
public interface ISignInChannel
{
    /// <summary>The SASL mechanisms the server offers.</summary>
    IReadOnlyCollection<string> SaslMechanisms { get; }

    /// <summary>Logins besides SASL the server takes: <c>APOP</c> and <c>USER</c> (POP3) or <c>LOGIN</c> (IMAP's command).</summary>
    IReadOnlyCollection<string> OtherLogins { get; }

    bool IsSecure { get; }

    /// <exception cref="MailKit.Security.AuthenticationException">The server refused it.</exception>
    Task Authenticate(SaslMechanism mechanism, CancellationToken cancellationToken);

    Task AuthenticateApop(NetworkCredential credentials, CancellationToken cancellationToken);

    /// <summary>POP3 USER/PASS, IMAP LOGIN, or for SMTP whatever the client falls back to without SASL.</summary>
    Task AuthenticateCommand(NetworkCredential credentials, CancellationToken cancellationToken);
}
