using System.Net;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Net.Pop3;
using MailKit.Security;

namespace Techmail.Authentication;

/// <summary>A MailKit client (IMAP or SMTP; POP3 only where a MailKit client is still used) as a sign-in channel.</summary>
public sealed class MailServiceSignIn(MailService client) : ISignInChannel
{
    public IReadOnlyCollection<string> SaslMechanisms => client.AuthenticationMechanisms.ToList();

    public IReadOnlyCollection<string> OtherLogins
    {
        get
        {
            var sasl = client.AuthenticationMechanisms;
            return client switch
            {
                Pop3Client pop3 when pop3.Capabilities.HasFlag(Pop3Capabilities.Apop) => ["APOP", SignInPlan.User],
                Pop3Client => [SignInPlan.User],
                ImapClient imap when !imap.Capabilities.HasFlag(ImapCapabilities.LoginDisabled) && !sasl.Contains("LOGIN", StringComparer.OrdinalIgnoreCase) => ["LOGIN"],
                _ => [],
            };
        }
    }

    public bool IsSecure => client.IsSecure;

    public Task Authenticate(SaslMechanism mechanism, CancellationToken cancellationToken) => client.AuthenticateAsync(mechanism, cancellationToken);

    public async Task AuthenticateApop(NetworkCredential credentials, CancellationToken cancellationToken)
    {
        // MailKit's credential login tries APOP first when the server announced it, and SASL is out of its way.
        client.AuthenticationMechanisms.Clear();
        await client.AuthenticateAsync(credentials, cancellationToken);
    }

    public async Task AuthenticateCommand(NetworkCredential credentials, CancellationToken cancellationToken)
    {
        // Left with no SASL and no APOP, MailKit falls back to POP3 USER/PASS or the IMAP LOGIN command.
        client.AuthenticationMechanisms.Clear();
        if (client is Pop3Client pop3)
        {
            pop3.Capabilities &= ~Pop3Capabilities.Apop;
        }

        await client.AuthenticateAsync(credentials, cancellationToken);
    }
}
