using System.Net;
using MailKit;
using MailKit.Security;
using Techmail.Connections;
using Techmail.Mailboxes;
using Techmail.Polling;

namespace Techmail.Authentication;

/// <summary>What one login needs: who, with what secret, how the admin allows it.</summary>
/// <param name="Password">Revealed; unused when <paramref name="OAuth"/> is set.</param>
/// <param name="OAuth">With the client secret revealed.</param>
/// <param name="AllowPlaintextOption">The client option that allows an unencrypted login, named in the refusal.</param>
/// <param name="Mailbox">The mailbox's key, whose grant a <see cref="OAuthFlow.Delegated"/> login asks for its token.</param>
public sealed record LoginRequest(
    string User,
    string? Password,
    IReadOnlyList<string> Mechanisms,
    bool AllowPlaintext,
    OAuthSettings? OAuth,
    string AllowPlaintextOption,
    string? Mailbox = null)
{
    public static LoginRequest For(IncomingSettings incoming, string? mailbox) =>
        new(incoming.Account, incoming.Password, incoming.AuthMechanisms ?? [], incoming.AllowPlaintextPassword, incoming.OAuth, "--allow-plaintext-password", mailbox);

    public static LoginRequest For(SmtpRelaySettings relay, string? mailbox) =>
        new(relay.User ?? "", relay.Password, relay.AuthMechanisms ?? [], relay.AllowPlaintextPassword, relay.OAuth, "--smtp-allow-plaintext-password", mailbox);
}

/// <summary>The server refused a cached OAuth token, now forgotten: worth one more try, on a new connection.</summary>
public sealed class StaleTokenException(Exception inner) : Exception("the server refused a cached OAuth token.", inner);

/// <summary>
/// Logs a connected client in: with a password by the admin's choice of mechanism, or with an OAuth token from the
/// silo's cache (client credentials, service accounts) or from the mailbox's grant (delegated consent).
/// </summary>
/// <param name="grants">The mailboxes' grants; without them (a tool outside the silo) a delegated mailbox cannot log in.</param>
public sealed class MailLogin(OAuthTokenCache tokens, IGrantTokens? grants = null)
{
    /// <inheritdoc cref="LogIn(ISignInChannel, LoginRequest, string, bool, CancellationToken)"/>
    public Task LogIn(MailService client, LoginRequest request, string server, bool firstTry, CancellationToken cancellationToken) =>
        LogIn(new MailServiceSignIn(client), request, server, firstTry, cancellationToken);

    /// <exception cref="MailFetchException">The choice was refused before sending, or the token endpoint failed.</exception>
    /// <exception cref="AuthenticationException">The server refused the login.</exception>
    /// <exception cref="StaleTokenException">A cached token was refused and dropped; connect again and call with <paramref name="firstTry"/> false.</exception>
    public async Task LogIn(ISignInChannel channel, LoginRequest request, string server, bool firstTry, CancellationToken cancellationToken)
    {
        if (request.OAuth is { } oauth)
        {
            await LogInWithToken(channel, request, oauth, server, firstTry, cancellationToken);
            return;
        }

        var choice = Choose(channel, request, request.Mechanisms, server);
        var credentials = new NetworkCredential(request.User, request.Password ?? "");
        switch (choice.Kind)
        {
            case SignInKind.Sasl:
                var mechanism = SaslMechanism.Create(choice.Mechanism, credentials)
                    ?? throw new MailFetchException(MailFetchFailure.Authentication, $"{server}: Techmail cannot log in with {choice.Mechanism}.");
                await channel.Authenticate(mechanism, cancellationToken);
                break;
            case SignInKind.Apop:
                await channel.AuthenticateApop(credentials, cancellationToken);
                break;
            default:
                await channel.AuthenticateCommand(credentials, cancellationToken);
                break;
        }
    }

    private async Task LogInWithToken(ISignInChannel channel, LoginRequest request, OAuthSettings oauth, string server, bool firstTry, CancellationToken cancellationToken)
    {
        var choice = Choose(channel, request, [oauth.Mechanism], server);
        var secret = oauth.ClientSecret ?? "";
        var (token, cached) = oauth.Flow == OAuthFlow.Delegated
            ? (await GrantToken(request, null), true)
            : await tokens.Get(oauth, secret, request.User, cancellationToken);
        try
        {
            await channel.Authenticate(Sasl(choice.Mechanism, request.User, token), cancellationToken);
        }
        catch (Exception e) when (e is AuthenticationException or ProtocolException)
        {
            // MailKit reports a refused OAUTHBEARER over POP3 as a protocol error after the server's error challenge;
            // it is a refusal all the same, and the session is out of step, so any retry is on a new connection.
            if (cached && firstTry)
            {
                // A cached token may have been revoked before it expired: drop it, and the caller tries once more.
                if (oauth.Flow == OAuthFlow.Delegated)
                {
                    // The grant refreshes now; what it answers is for the next try (or says the consent is gone).
                    await Grants.Get(request.Mailbox!, token);
                }
                else
                {
                    tokens.Forget(oauth, secret, request.User, token);
                }

                throw new StaleTokenException(e);
            }

            throw e as AuthenticationException ?? new AuthenticationException($"the server refused the {choice.Mechanism} token ({MailFetcher.FirstLine(e.Message)})", e);
        }
    }

    private IGrantTokens Grants => grants ?? throw new MailFetchException(MailFetchFailure.Authentication, "a mailbox with delegated OAuth consent logs in only inside the silo.");

    /// <summary>The grant's current token; a grant that cannot give one fails the login before anything is sent.</summary>
    private async Task<string> GrantToken(LoginRequest request, string? refused)
    {
        var mailbox = request.Mailbox ?? throw new InvalidOperationException("a delegated OAuth login needs its mailbox's key.");
        var granted = await Grants.Get(mailbox, refused);
        return granted switch
        {
            { Token: { } token } => token,
            { Failure: GrantFailure.Transient } => throw new MailFetchException(MailFetchFailure.Transient, granted.Problem ?? "the OAuth token endpoint did not answer."),
            _ => throw new MailFetchException(MailFetchFailure.Authentication, granted.Problem ?? "the mailbox has no OAuth grant."),
        };
    }

    private static SaslMechanism Sasl(string mechanism, string user, string token) =>
        mechanism == OAuthSettings.OAuthBearer ? new SaslMechanismOAuthBearer(user, token) : new SaslMechanismOAuth2(user, token);

    private static SignInChoice Choose(ISignInChannel channel, LoginRequest request, IReadOnlyList<string> wanted, string server)
    {
        var sasl = channel.SaslMechanisms;
        var offered = sasl.Concat(channel.OtherLogins).ToList();
        return SignInPlan.Choose(server, wanted, offered, sasl, channel.IsSecure, request.AllowPlaintext, request.AllowPlaintextOption);
    }
}
