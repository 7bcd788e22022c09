using System.Net;
using MailKit;
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

/// <summary>Logs a connected client in: with a password by the admin's choice of mechanism, or with an OAuth token.</summary>
public sealed class MailLogin(OAuthTokenCache tokens)
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
        var (token, cached) = await tokens.Get(oauth, secret, cancellationToken);
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
                tokens.Forget(oauth, secret, token);
                throw new StaleTokenException(e);
            }

            throw e as AuthenticationException ?? new AuthenticationException($"the server refused the {choice.Mechanism} token ({MailFetcher.FirstLine(e.Message)})", e);
        }
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
