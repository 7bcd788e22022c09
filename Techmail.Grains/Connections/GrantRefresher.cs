using Techmail.Mailboxes;
using Techmail.Polling;

namespace Techmail.Connections;

/// <summary>What one request for an access token did: the grant as it now stands (already stored) and the answer.</summary>
public sealed record GrantTurn(MailboxGrant? Grant, GrantedToken Token, bool Refreshed = false, bool Revoked = false);

/// <summary>
/// Hands out a mailbox's current access token and refreshes it (RFC 6749 6) ahead of its expiry: once less than a tenth
/// of its life, or 5 minutes, is left, whichever is less. A refresh token the provider rotates is stored before the new
/// access token is handed out, so a kill between the two never leaves the mailbox with a refresh token the provider
/// already replaced. <c>invalid_grant</c> (revoked, expired, the password changed) marks the grant as needing a new
/// consent: from then on no request reaches the provider or the mail server until <c>mailbox connect</c>. A provider
/// that cannot answer now is transient and left to the caller's retries.
/// </summary>
public sealed class GrantRefresher(MailboxGrantStore store, TokenEndpoint endpoint, TimeProvider time)
{
    public static readonly TimeSpan MaximumMargin = TimeSpan.FromMinutes(5);

    /// <summary>Assumed when the endpoint does not say how long its access token lives.</summary>
    public static readonly TimeSpan DefaultLifetime = TimeSpan.FromHours(1);

    /// <summary>Whether the access token is too close to its end to hand out.</summary>
    public static bool Due(MailboxGrant grant, DateTimeOffset now)
    {
        if (grant.AccessToken is null || grant.AccessExpires is not { } expires)
        {
            return true;
        }

        var lifetime = expires - (grant.AccessIssued ?? expires - DefaultLifetime);
        var margin = TimeSpan.FromTicks(Math.Min(MaximumMargin.Ticks, Math.Max(0, lifetime.Ticks / 10)));
        return now >= expires - margin;
    }

    /// <param name="grant">The grant as the grain holds it; null when the mailbox was never connected.</param>
    /// <param name="oauth">The mailbox's OAuth settings, client secret revealed.</param>
    /// <param name="refusedToken">A token the mail server refused just now: refresh if it is still the current one.</param>
    public async Task<GrantTurn> Current(string tenant, string mailbox, MailboxGrant? grant, OAuthSettings oauth, string? refusedToken, CancellationToken cancellationToken)
    {
        if (grant is null)
        {
            return new GrantTurn(null, GrantedToken.Failed(GrantFailure.NotConnected, $"mailbox '{mailbox}' is not connected yet: run 'techmail mailbox connect {mailbox}'."));
        }

        if (grant.NeedsReconnectingSince is not null)
        {
            return new GrantTurn(grant, GrantedToken.Failed(GrantFailure.NeedsReconnecting, NeedsReconnecting(mailbox, grant.Problem)));
        }

        var now = time.GetUtcNow();
        var refused = refusedToken is not null && refusedToken == grant.AccessToken;
        if (!refused && !Due(grant, now))
        {
            return new GrantTurn(grant, GrantedToken.Of(grant.AccessToken!));
        }

        if (grant.RefreshToken is null)
        {
            return await Revoke(tenant, mailbox, grant, "the provider gave no refresh token (offline access was not granted)", cancellationToken);
        }

        var form = new List<KeyValuePair<string, string>> { new("grant_type", "refresh_token"), new("refresh_token", grant.RefreshToken) };
        if (IdentityScopes.ForRefresh(oauth.Scope) is { } scope)
        {
            form.Add(new("scope", scope));
        }

        TokenAnswer? answer;
        TokenRefusal? refusal;
        try
        {
            (answer, refusal) = await endpoint.RequestToken(oauth.TokenUrl, form, oauth.ClientId, oauth.ClientSecret, cancellationToken);
        }
        catch (MailFetchException e) when (e.Failure == MailFetchFailure.Transient)
        {
            // The token may still have a little life: better that than no login while the provider is down.
            return new GrantTurn(grant, !refused && grant.AccessExpires > now ? GrantedToken.Of(grant.AccessToken!) : GrantedToken.Failed(GrantFailure.Transient, e.Message));
        }

        if (refusal is { Error: "invalid_grant" })
        {
            return await Revoke(tenant, mailbox, grant, $"the provider refused the refresh token: {refusal}", cancellationToken);
        }

        if (refusal is not null)
        {
            return new GrantTurn(grant, GrantedToken.Failed(GrantFailure.Refused, $"OAuth token endpoint {oauth.TokenUrl} refused the refresh: {refusal}"));
        }

        var renewed = grant with
        {
            // Rotation: a new refresh token replaces the old one, which the provider may already refuse.
            RefreshToken = answer!.RefreshToken ?? grant.RefreshToken,
            AccessToken = answer.AccessToken,
            AccessIssued = now,
            AccessExpires = now + (answer.ExpiresIn ?? DefaultLifetime),
            Scopes = answer.Scope ?? grant.Scopes,
            LastRefresh = now,
            Problem = null,
        };
        await store.Save(tenant, mailbox, renewed, cancellationToken);
        return new GrantTurn(renewed, GrantedToken.Of(renewed.AccessToken!), Refreshed: true);
    }

    /// <summary>A grant from a consent just given: stored, and any earlier "needs reconnecting" cleared.</summary>
    public async Task<MailboxGrant> Store(string tenant, string mailbox, MailboxGrant? previous, TokenAnswer answer, string? requestedScope, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var grant = new MailboxGrant(
            answer.RefreshToken,
            answer.AccessToken,
            now + (answer.ExpiresIn ?? DefaultLifetime),
            now,
            IdTokenAccount.Of(answer.IdToken) ?? previous?.Account,
            answer.Scope ?? requestedScope,
            now,
            null,
            null,
            null);
        await store.Save(tenant, mailbox, grant, cancellationToken);
        return grant;
    }

    public static string NeedsReconnecting(string mailbox, string? problem) =>
        $"mailbox '{mailbox}' needs reconnecting ({problem ?? "the provider refused its grant"}): run 'techmail mailbox connect {mailbox}'.";

    private async Task<GrantTurn> Revoke(string tenant, string mailbox, MailboxGrant grant, string problem, CancellationToken cancellationToken)
    {
        // The tokens are worthless now; keeping them would only keep a secret for nothing.
        var revoked = grant with
        {
            RefreshToken = null,
            AccessToken = null,
            AccessExpires = null,
            AccessIssued = null,
            NeedsReconnectingSince = time.GetUtcNow(),
            Problem = problem,
        };
        await store.Save(tenant, mailbox, revoked, cancellationToken);
        return new GrantTurn(revoked, GrantedToken.Failed(GrantFailure.NeedsReconnecting, NeedsReconnecting(mailbox, problem)), Revoked: true);
    }
}
