using Microsoft.Extensions.Logging;
using Techmail.Audit;
using Techmail.Mailboxes;

namespace Techmail.Connections;

/// <summary>
/// Keeps one mailbox's delegated grant (see <see cref="IMailboxGrantGrain"/>). Thin: <see cref="ConsentFlows"/> talks to
/// the provider, <see cref="GrantRefresher"/> decides and refreshes, <see cref="MailboxGrantStore"/> keeps the row. The
/// grain adds what only one activation per mailbox can give: one refresh at a time, and the device flow in progress.
/// The mailbox's OAuth settings are read from its grain on each call, so a changed client secret counts at once.
/// </summary>
public sealed class MailboxGrantGrain(
    MailboxGrantStore store,
    GrantRefresher refresher,
    ConsentFlows flows,
    AuditLog audit,
    Webhooks.WebhookEvents webhooks,
    ILogger<MailboxGrantGrain> logger) : Grain, IMailboxGrantGrain
{
    private MailboxGrant? _grant;
    private PendingDevice? _device;

    private string Tenant => MailboxKey.Parse(this.GetPrimaryKeyString()).Tenant;

    private string Name => MailboxKey.Parse(this.GetPrimaryKeyString()).Mailbox;

    public override async Task OnActivateAsync(CancellationToken cancellationToken) =>
        _grant = await store.Load(Tenant, Name, cancellationToken);

    public async Task<DeviceAuthorization> StartDeviceConnect()
    {
        var (oauth, _) = await Settings();
        var (shown, pending) = await flows.StartDevice(oauth, CancellationToken.None);
        _device = pending;
        return shown;
    }

    public async Task<DeviceConnectStep> ContinueDeviceConnect()
    {
        var pending = _device ?? throw new MailboxException(MailboxErrorKind.Invalid, $"no device flow is waiting for mailbox '{Name}': start one with 'techmail mailbox connect {Name}'.");
        var (oauth, account) = await Settings();
        var (progress, next, answer, problem) = await flows.PollDevice(oauth, pending, CancellationToken.None);
        _device = progress is DeviceConnectProgress.Pending or DeviceConnectProgress.SlowDown ? next : null;
        if (answer is null)
        {
            return new DeviceConnectStep(progress, next.Interval, problem);
        }

        return new DeviceConnectStep(progress, next.Interval, null, await Connected(answer, oauth.Scope, account));
    }

    public async Task<string> AuthorizationUrl(string redirectUri, string state, string codeChallenge)
    {
        var (oauth, account) = await Settings();
        return ConsentFlows.AuthorizationUrl(oauth, account, redirectUri, state, codeChallenge);
    }

    public async Task<GrantStatus> CompleteRedirectConnect(string code, string codeVerifier, string redirectUri)
    {
        var (oauth, account) = await Settings();
        var answer = await flows.ExchangeCode(oauth, code, codeVerifier, redirectUri, CancellationToken.None);
        return await Connected(answer, oauth.Scope, account);
    }

    public async Task<GrantedToken> AccessToken(string? refusedToken)
    {
        if (_grant is null)
        {
            // Connected on another activation's watch (a silo that has since died): the row is the truth.
            _grant = await store.Load(Tenant, Name);
        }

        OAuthSettings oauth;
        try
        {
            (oauth, _) = await Settings();
        }
        catch (MailboxException e)
        {
            return GrantedToken.Failed(GrantFailure.Refused, e.Message);
        }

        var turn = await refresher.Current(Tenant, Name, _grant, oauth, refusedToken, CancellationToken.None);
        _grant = turn.Grant;
        if (turn.Revoked)
        {
            logger.LogWarning("Mailbox {Tenant}/{Mailbox} needs reconnecting: {Problem}", Tenant, Name, turn.Grant!.Problem);
            await audit.Record(Tenant, AuditActions.MailboxNeedsReconnecting, Name, null, new { turn.Grant.Problem });
            await RaiseNeedsReconnecting(turn.Grant);
        }
        else if (turn.Refreshed)
        {
            logger.LogDebug("Mailbox {Tenant}/{Mailbox} refreshed its access token", Tenant, Name);
        }

        return turn.Token;
    }

    /// <summary>
    /// The tenant's mailbox.failing webhook, once per revocation: only the call that found the grant refused gets here
    /// (from then on the grant answers "needs reconnecting" without asking the provider), and the event's id is made
    /// of the moment it was found, so a retried call queues it once.
    /// </summary>
    private async Task RaiseNeedsReconnecting(MailboxGrant revoked)
    {
        try
        {
            await webhooks.Raise(Webhooks.WebhookPayloads.MailboxNeedsReconnecting(Tenant, Name, revoked.Problem, revoked.NeedsReconnectingSince!.Value));
        }
        catch (Exception e)
        {
            // The revocation stands and the status, metric and audit log show it; only the notice is missing.
            logger.LogError(e, "Mailbox {Tenant}/{Mailbox} needs reconnecting, and its webhook event could not be queued", Tenant, Name);
        }
    }

    public Task<GrantStatus?> GetStatus() => Task.FromResult(_grant?.Status);

    public async Task Forget()
    {
        await store.Delete(Tenant, Name);
        _grant = null;
        _device = null;
        DeactivateOnIdle();
    }

    /// <param name="account">The account the mailbox logs in as, shown beside the one that consented.</param>
    private async Task<GrantStatus> Connected(TokenAnswer answer, string? scope, string account)
    {
        var before = _grant?.Status;
        _grant = await refresher.Store(Tenant, Name, _grant, answer, scope, CancellationToken.None);
        if (answer.RefreshToken is null)
        {
            logger.LogWarning("Mailbox {Tenant}/{Mailbox} was connected without a refresh token: it works until the access token expires", Tenant, Name);
        }

        if (_grant.Status with { MailboxAccount = account } is { ConsentedByAnotherAccount: true })
        {
            // Allowed (a shared mailbox's delegate), but said: a consent given as the wrong person is a common slip.
            logger.LogInformation("Mailbox {Tenant}/{Mailbox} was connected by {Consenter}, who is not its account {Account}", Tenant, Name, _grant.Account, account);
        }

        await audit.Record(Tenant, AuditActions.MailboxConnect, Name, before, _grant.Status);
        await Resume();
        return _grant.Status with { MailboxAccount = account };
    }

    /// <summary>
    /// Mail waited while the consent was missing: the held outbox sends now, and a poll starts now rather than after the
    /// backoff its failed logins earned (up to an hour).
    /// </summary>
    private async Task Resume()
    {
        var key = this.GetPrimaryKeyString();
        await GrainFactory.GetGrain<Outgoing.IOutboxGrain>(key).SignInRenewed();
        try
        {
            await GrainFactory.GetGrain<IMailboxGrain>(key).PollNow();
        }
        catch (MailboxException)
        {
            // Disabled, or it only sends: nothing to poll.
        }
    }

    /// <summary>The mailbox's delegated OAuth settings with the client secret revealed: the incoming side's, else the relay's.</summary>
    private async Task<(OAuthSettings OAuth, string Account)> Settings()
    {
        var settings = await GrainFactory.GetGrain<IMailboxGrain>(this.GetPrimaryKeyString()).Export(true)
            ?? throw new MailboxException(MailboxErrorKind.NotFound, $"mailbox '{Name}' does not exist in tenant '{Tenant}'.");
        if (settings.DelegatedLogin is { } login)
        {
            return login;
        }

        throw new MailboxException(MailboxErrorKind.Invalid, $"mailbox '{Name}' does not log in with delegated consent (--oauth-flow delegated, or --provider microsoft|google).");
    }
}
