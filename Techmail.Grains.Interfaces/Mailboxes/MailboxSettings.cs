namespace Techmail.Mailboxes;

/// <summary>Everything an admin configures on one mailbox.</summary>
/// <param name="RejectForwardAddresses">Rejected messages are forwarded here whole; empty sends them to quarantine.</param>
/// <param name="SoftBounceRetryWindow">
/// Marketing only: how long after a recipient's first send its soft bounces are retried by the mailings sent through
/// this mailbox; null for <see cref="DefaultSoftBounceRetryWindow"/>.
/// </param>
[GenerateSerializer, Immutable, Alias("Techmail.MailboxSettings")]
public sealed record MailboxSettings(
    [property: Id(0)] MailboxType Type,
    [property: Id(1)] bool Enabled,
    [property: Id(2)] IncomingSettings? Incoming,
    [property: Id(3)] OutgoingSettings? Outgoing,
    [property: Id(4)] IReadOnlyList<DiscardFilter> DiscardFilters,
    [property: Id(5)] AttachmentPolicy Attachments,
    [property: Id(6)] IReadOnlyList<string> RejectForwardAddresses,
    [property: Id(7)] TimeSpan PollInterval,
    [property: Id(8)] SmimeSettings? Smime = null,
    [property: Id(9)] TimeSpan? SoftBounceRetryWindow = null)
{
    public static TimeSpan DefaultPollInterval { get; } = TimeSpan.FromMinutes(5);
    public static TimeSpan MinimumPollInterval { get; } = TimeSpan.FromMinutes(1);

    /// <summary>RightNow's soft-bounce retry window, for a Marketing mailbox that sets none.</summary>
    public static TimeSpan DefaultSoftBounceRetryWindow { get; } = TimeSpan.FromDays(7);

    /// <summary>The longest retry window a mailbox or a mailing may ask for.</summary>
    public static TimeSpan MaximumSoftBounceRetryWindow { get; } = TimeSpan.FromDays(30);

    /// <summary>Whether a window is within the bounds a mailbox or a mailing may set (more than zero, at most 30 days).</summary>
    public static bool IsSoftBounceRetryWindow(TimeSpan window) => window > TimeSpan.Zero && window <= MaximumSoftBounceRetryWindow;

    /// <summary>The retry window a mailing through this mailbox takes when it sets none of its own.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public TimeSpan EffectiveSoftBounceRetryWindow => SoftBounceRetryWindow ?? DefaultSoftBounceRetryWindow;

    public MailboxDirection Direction =>
        (Incoming is null ? MailboxDirection.None : MailboxDirection.Incoming)
        | (Outgoing is null ? MailboxDirection.None : MailboxDirection.Outgoing);

    /// <summary>
    /// The login that uses a person's consent (<see cref="OAuthFlow.Delegated"/>), with the account it names: the
    /// incoming side's, else the relay's; null when neither logs in that way. A mailbox has one grant, so one such login.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public (OAuthSettings OAuth, string Account)? DelegatedLogin =>
        Incoming is { OAuth.Flow: OAuthFlow.Delegated } incoming ? (incoming.OAuth!, incoming.Account)
        : Outgoing?.Relay is { OAuth.Flow: OAuthFlow.Delegated } relay ? (relay.OAuth!, relay.User ?? "")
        : null;

    /// <summary>True when the schedule should poll this mailbox.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool Polls => Enabled && Incoming is not null;

    public static MailboxSettings Empty(MailboxType type) =>
        new(type, Enabled: false, Incoming: null, Outgoing: null, [], AttachmentPolicy.None, [], DefaultPollInterval);
}
