using System.Net;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Net.Pop3;
using MailKit.Security;
using Techmail.Mailboxes;
using Techmail.Polling;

namespace Techmail.Authentication;

/// <summary>What one login needs: who, with what secret, how the admin allows it.</summary>
/// <param name="Password">Revealed; unused when <paramref name="OAuth"/> is set.</param>
/// <param name="OAuth">With the client secret revealed.</param>
/// <param name="AllowPlaintextOption">The client option that allows an unencrypted login, named in the refusal.</param>
public sealed record LoginRequest(
    string User,
    string? Password,
    IReadOnlyList<string> Mechanisms,
    bool AllowPlaintext,
    OAuthSettings? OAuth,
    string AllowPlaintextOption)
{
    public static LoginRequest For(IncomingSettings incoming) =>
        new(incoming.Account, incoming.Password, incoming.AuthMechanisms ?? [], incoming.AllowPlaintextPassword, incoming.OAuth, "--allow-plaintext-password");

    public static LoginRequest For(SmtpRelaySettings relay) =>
        new(relay.User ?? "", relay.Password, relay.AuthMechanisms ?? [], relay.AllowPlaintextPassword, relay.OAuth, "--smtp-allow-plaintext-password");
}

/// <summary>The server refused a cached OAuth token, now forgotten: worth one more try, on a new connection.</summary>
public sealed class StaleTokenException(Exception inner) : Exception("the server refused a cached OAuth token.", inner);

/// <summary>Logs a connected MailKit client in: with a password by the admin's choice of mechanism, or with an OAuth token.</summary>
public sealed class MailLogin(OAuthTokenCache tokens)
{
    /// <exception cref="MailFetchException">The choice was refused before sending, or the token endpoint failed.</exception>
    /// <exception cref="AuthenticationException">The server refused the login.</exception>
    /// <exception cref="StaleTokenException">A cached token was refused and dropped; connect again and call with <paramref name="firstTry"/> false.</exception>
    public async Task LogIn(MailService client, LoginRequest request, string server, bool firstTry, CancellationToken cancellationToken)
    {
        if (request.OAuth is { } oauth)
        {
            await LogInWithToken(client, request, oauth, server, firstTry, cancellationToken);
            return;
        }

        var choice = Choose(client, request, request.Mechanisms, server);
        var credentials = new NetworkCredential(request.User, request.Password ?? "");
        switch (choice.Kind)
        {
            case SignInKind.Sasl:
                var mechanism = SaslMechanism.Create(choice.Mechanism, credentials)
                    ?? throw new MailFetchException(MailFetchFailure.Authentication, $"{server}: Techmail cannot log in with {choice.Mechanism}.");
                await client.AuthenticateAsync(mechanism, cancellationToken);
                break;
            case SignInKind.Apop:
                // MailKit's credential login tries APOP first when the server announced it, and SASL is out of its way.
                client.AuthenticationMechanisms.Clear();
                await client.AuthenticateAsync(credentials, cancellationToken);
                break;
            default:
                // Left with no SASL and no APOP, MailKit falls back to POP3 USER/PASS or the IMAP LOGIN command.
                client.AuthenticationMechanisms.Clear();
                if (client is Pop3Client pop3)
                {
                    pop3.Capabilities &= ~Pop3Capabilities.Apop;
                }

                await client.AuthenticateAsync(credentials, cancellationToken);
                break;
        }
    }

    private async Task LogInWithToken(MailService client, LoginRequest request, OAuthSettings oauth, string server, bool firstTry, CancellationToken cancellationToken)
    {
        var choice = Choose(client, request, [oauth.Mechanism], server);
        var secret = oauth.ClientSecret ?? "";
        var (token, cached) = await tokens.Get(oauth, secret, cancellationToken);
        try
        {
            await client.AuthenticateAsync(Sasl(choice.Mechanism, request.User, token), cancellationToken);
        }
        catch (Exception e) when (e is AuthenticationException or ProtocolException)
        {
            // MailKit reports a refused OAUTHBEARER over POP3 as a protocol error after the server's error challenge;
            // it is a refusal all the same, and the session is out of step, so any retry is on a new connection.
            if (cached && firstTry)
            {
                // A cached token may have been revoked before it expired: drop it, and the caller tries once more.
                tokens.Forget(oauth, secret, token);
                throw new StaleTokenException(e);
            }

            throw e as AuthenticationException ?? new AuthenticationException($"the server refused the {choice.Mechanism} token ({MailFetcher.FirstLine(e.Message)})", e);
        }
    }

    private static SaslMechanism Sasl(string mechanism, string user, string token) =>
        mechanism == OAuthSettings.OAuthBearer ? new SaslMechanismOAuthBearer(user, token) : new SaslMechanismOAuth2(user, token);

    private static SignInChoice Choose(MailService client, LoginRequest request, IReadOnlyList<string> wanted, string server)
    {
        var sasl = client.AuthenticationMechanisms.ToList();
        var offered = new List<string>(sasl);
        switch (client)
        {
            case Pop3Client pop3:
                if (pop3.Capabilities.HasFlag(Pop3Capabilities.Apop))
                {
                    offered.Add("APOP");
                }

                offered.Add(SignInPlan.User);
                break;
            case ImapClient imap when !imap.Capabilities.HasFlag(ImapCapabilities.LoginDisabled) && !sasl.Contains("LOGIN", StringComparer.OrdinalIgnoreCase):
                offered.Add("LOGIN");
                break;
        }

        return SignInPlan.Choose(server, wanted, offered, sasl, client.IsSecure, request.AllowPlaintext, request.AllowPlaintextOption);
    }
}
