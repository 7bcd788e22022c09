using Techmail.Mailboxes;

namespace Techmail.Connections;

/// <summary>
/// The OAuth grant a person gave one mailbox (<see cref="OAuthFlow.Delegated"/>): the only holder of its refresh token.
/// Key: the mailbox's key (<see cref="MailboxKey.For"/>). Orleans runs one activation per key across the cluster, so
/// there is one refresh at a time per mailbox, and a rotated refresh token is never raced by a second refresh.
/// </summary>
[Alias("Techmail.IMailboxGrantGrain")]
public interface IMailboxGrantGrain : IGrainWithStringKey
{
    /// <summary>Starts the device flow (RFC 8628): what the person must open and type. Replaces a flow begun earlier.</summary>
    [Alias("StartDeviceConnect"), Requires(Permission.ManageSettings)]
    Task<DeviceAuthorization> StartDeviceConnect();

    /// <summary>
    /// Asks the token endpoint once whether the person has approved. Call it no more often than the last step's
    /// <see cref="DeviceConnectStep.Interval"/>; a step that is <see cref="DeviceConnectProgress.Connected"/> stored the grant.
    /// </summary>
    [Alias("ContinueDeviceConnect"), Requires(Permission.ManageSettings)]
    Task<DeviceConnectStep> ContinueDeviceConnect();

    /// <summary>The provider's consent page for the redirect flow, with PKCE's S256 challenge and the caller's state.</summary>
    [Alias("AuthorizationUrl"), Requires(Permission.ManageSettings)]
    Task<string> AuthorizationUrl(string redirectUri, string state, string codeChallenge);

    /// <summary>Exchanges the code the provider redirected with (and the PKCE verifier) for a grant, and stores it.</summary>
    [Alias("CompleteRedirectConnect"), Requires(Permission.ManageSettings)]
    Task<GrantStatus> CompleteRedirectConnect(string code, string codeVerifier, string redirectUri);

    /// <summary>
    /// A current access token, refreshed ahead of its expiry. <paramref name="refusedToken"/> names a token the mail
    /// server just refused: if it is still the current one, the grant refreshes before answering.
    /// </summary>
    [Alias("AccessToken"), Requires(Permission.Engine)]
    Task<GrantedToken> AccessToken(string? refusedToken);

    /// <summary>The grant as status shows it (never a token), or null when the mailbox was never connected.</summary>
    [Alias("GetStatus"), Requires(Permission.ReadSettings), Orleans.Concurrency.AlwaysInterleave]
    Task<GrantStatus?> GetStatus();

    /// <summary>Forgets the grant (the mailbox was removed or no longer uses delegated consent).</summary>
    [Alias("Forget"), Requires(Permission.ManageSettings)]
    Task Forget();
}

/// <summary>What the person must do to approve the device flow.</summary>
/// <param name="VerificationUriComplete">The same page with the code filled in, when the provider offers one.</param>
[GenerateSerializer, Immutable, Alias("Techmail.DeviceAuthorization")]
public sealed record DeviceAuthorization(
    [property: Id(0)] string VerificationUri,
    [property: Id(1)] string? VerificationUriComplete,
    [property: Id(2)] string UserCode,
    [property: Id(3)] TimeSpan Interval,
    [property: Id(4)] DateTimeOffset ExpiresAt);

public enum DeviceConnectProgress
{
    /// <summary>Not yet approved (<c>authorization_pending</c>): ask again after the interval.</summary>
    Pending,

    /// <summary>Asked too often (<c>slow_down</c>): the interval grew by 5 seconds.</summary>
    SlowDown,

    Connected,

    /// <summary>The code ran out (<c>expired_token</c>) before anyone approved it: start again.</summary>
    Expired,

    /// <summary>The person refused (<c>access_denied</c>).</summary>
    Denied,
}

/// <param name="Interval">How long to wait before the next step.</param>
/// <param name="Problem">Why the flow ended without a grant.</param>
[GenerateSerializer, Immutable, Alias("Techmail.DeviceConnectStep")]
public sealed record DeviceConnectStep(
    [property: Id(0)] DeviceConnectProgress Progress,
    [property: Id(1)] TimeSpan Interval,
    [property: Id(2)] string? Problem = null,
    [property: Id(3)] GrantStatus? Grant = null);

/// <summary>A mailbox's grant as an admin sees it.</summary>
/// <param name="Account">The account the person signed in as, when the provider said (its ID token).</param>
/// <param name="NeedsReconnectingSince">Set when the provider refused a refresh (revoked or expired): polls stop logging in until <c>mailbox connect</c>.</param>
/// <param name="MailboxAccount">
/// The account the mailbox logs in as, which <see cref="Account"/> is compared with. The grant does not keep it (the
/// mailbox's settings do, and may change), so it is set where the grant is shown beside them: the connect step and the
/// mailbox's status; null elsewhere.
/// </param>
[GenerateSerializer, Immutable, Alias("Techmail.GrantStatus")]
public sealed record GrantStatus(
    [property: Id(0)] string? Account,
    [property: Id(1)] string? Scopes,
    [property: Id(2)] DateTimeOffset ConnectedAt,
    [property: Id(3)] DateTimeOffset? AccessTokenExpires,
    [property: Id(4)] DateTimeOffset? LastRefresh,
    [property: Id(5)] DateTimeOffset? NeedsReconnectingSince,
    [property: Id(6)] string? Problem,
    [property: Id(7)] string? MailboxAccount = null)
{
    public bool NeedsReconnecting => NeedsReconnectingSince is not null;

    /// <summary>
    /// Someone other than the mailbox's own account consented. Not refused: a shared mailbox has no password of its own
    /// and is opened with a delegate's consent; but an admin who signed in as the wrong person must be able to see it.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool ConsentedByAnotherAccount =>
        Account is { } account && MailboxAccount is { Length: > 0 } mailbox && !string.Equals(account, mailbox, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// What to say when someone other than the mailbox's own account consented, or null: not an error, since a shared
    /// mailbox is opened with a delegate's consent, but a consent given as the wrong person looks the same.
    /// </summary>
    /// <param name="reconnect">How to give the consent again where this is shown ("run 'techmail mailbox connect support' again").</param>
    public string? ConsentedByAnotherNote(string reconnect) => ConsentedByAnotherAccount
        ? $"{Account} consented, not {MailboxAccount}, the account the mailbox logs in as: this works where {Account} may open that mailbox "
            + $"(a shared mailbox's delegate); otherwise {reconnect} signed in as {MailboxAccount}."
        : null;
}

public enum GrantFailure
{
    /// <summary>No grant was ever stored: the mailbox was never connected.</summary>
    NotConnected,

    /// <summary>The provider refused the refresh token; only a new consent helps.</summary>
    NeedsReconnecting,

    /// <summary>The token endpoint could not answer now (5xx, timeout): worth a retry.</summary>
    Transient,

    /// <summary>The mailbox's settings cannot work (no delegated flow, the endpoint refused the client).</summary>
    Refused,
}

/// <summary>An access token, or why there is none.</summary>
[GenerateSerializer, Immutable, Alias("Techmail.GrantedToken")]
public sealed record GrantedToken(
    [property: Id(0)] string? Token,
    [property: Id(1)] GrantFailure? Failure,
    [property: Id(2)] string? Problem)
{
    public static GrantedToken Of(string token) => new(token, null, null);

    public static GrantedToken Failed(GrantFailure failure, string problem) => new(null, failure, problem);
}
