namespace Techmail.Mailboxes;

/// <summary>Everything an admin configures on one mailbox.</summary>
/// <param name="RejectForwardAddresses">Rejected messages are forwarded here whole; empty sends them to quarantine.</param>
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
    [property: Id(8)] SmimeSettings? Smime = null)
{
    public static TimeSpan DefaultPollInterval { get; } = TimeSpan.FromMinutes(5);
    public static TimeSpan MinimumPollInterval { get; } = TimeSpan.FromMinutes(1);

    public MailboxDirection Direction =>
        (Incoming is null ? MailboxDirection.None : MailboxDirection.Incoming)
        | (Outgoing is null ? MailboxDirection.None : MailboxDirection.Outgoing);

    /// <summary>True when the schedule should poll this mailbox.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool Polls => Enabled && Incoming is not null;

    public static MailboxSettings Empty(MailboxType type) =>
        new(type, Enabled: false, Incoming: null, Outgoing: null, [], AttachmentPolicy.None, [], DefaultPollInterval);
}
