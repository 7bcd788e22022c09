namespace Techmail.Mailings;

/// <summary>Where a mailing stands as a whole.</summary>
public enum MailingState
{
    /// <summary>Created, recipients being added; nothing is sent before <c>Start</c>.</summary>
    Draft,

    /// <summary>Recipients are being handed to the outbox, or wait for a soft-bounce retry.</summary>
    Sending,

    Paused,

    Cancelled,

    /// <summary>Every recipient has its outcome; bounces may still arrive and change it.</summary>
    Finished,
}

/// <summary>What an admin asks for: a mailbox, a name, the message template (RFC 5322 bytes) and a pace.</summary>
/// <param name="RequestId">Chosen by the client: the same request again is the same mailing, not a second one.</param>
/// <param name="Fields">The merge fields the recipients carry (besides <c>email</c>), in the list's column order.</param>
/// <param name="RatePerMinute">At most this many recipients handed to the relay a minute; null for as fast as it takes them.</param>
/// <param name="RetryWindow">How long after the first send a soft-bounced recipient is retried; null for the mailbox's window (7 days unless it sets one).</param>
[GenerateSerializer, Immutable, Alias("Techmail.MailingDraft")]
public sealed record MailingDraft(
    [property: Id(0)] string Mailbox,
    [property: Id(1)] string Name,
    [property: Id(2)] string RequestId,
    [property: Id(3)] byte[] Template,
    [property: Id(4)] IReadOnlyList<string> Fields,
    [property: Id(5)] int? RatePerMinute,
    [property: Id(6)] TimeSpan? RetryWindow);

/// <summary>One line of the recipient list: the address and its merge values, in the order of <see cref="MailingDraft.Fields"/>.</summary>
[GenerateSerializer, Immutable, Alias("Techmail.MailingRecipient")]
public sealed record MailingRecipient(
    [property: Id(0)] string Address,
    [property: Id(1)] IReadOnlyList<string> Values);

/// <summary>A mailing as listed: identity, state and the headline counts.</summary>
[GenerateSerializer, Immutable, Alias("Techmail.MailingSummary")]
public sealed record MailingSummary(
    [property: Id(0)] long Id,
    [property: Id(1)] string Mailbox,
    [property: Id(2)] string Name,
    [property: Id(3)] MailingState State,
    [property: Id(4)] long Listed,
    [property: Id(5)] long Sent,
    [property: Id(6)] DateTimeOffset Created,
    [property: Id(7)] DateTimeOffset? Started,
    [property: Id(8)] DateTimeOffset? Finished);

/// <summary>What became of a mailing's recipients. Counts are of recipients unless said otherwise.</summary>
/// <param name="Listed">Lines in the list, duplicates included.</param>
/// <param name="Duplicates">Lines whose address came earlier in the list: mailed once, under the first.</param>
/// <param name="Suppressed">Skipped at send time: invalid, or opted out (a complaint or an unsubscribe); by reason in <paramref name="SuppressedBy"/>.</param>
/// <param name="Pending">Not yet handed to the outbox.</param>
/// <param name="Queued">In the outbox, not yet taken by the relay.</param>
/// <param name="Sent">Taken by the relay at least once.</param>
/// <param name="Delivered">
/// Taken by the relay with no bounce within the retry window, which has closed since their first send (what issue 23
/// means by delivered); a bounce arriving even later still moves a recipient out of it.
/// </param>
/// <param name="AwaitingBounces">Taken by the relay and not bounced so far, but their retry window is still open: not yet delivered.</param>
/// <param name="BouncedHard">Hard bounces and refusals at RCPT, by reason in <paramref name="HardBy"/>.</param>
/// <param name="SoftBounces">Soft bounce reports (each retry can add one), by reason in <paramref name="SoftBy"/>.</param>
/// <param name="Retrying">Soft-bounced, waiting for their next try.</param>
/// <param name="Retries">Sends beyond each recipient's first.</param>
/// <param name="Failed">Soft-bounced until the retry window closed, or refused by the relay for good without a recipient verdict.</param>
[GenerateSerializer, Immutable, Alias("Techmail.MailingReport")]
public sealed record MailingReport(
    [property: Id(0)] MailingSummary Mailing,
    [property: Id(1)] int? RatePerMinute,
    [property: Id(2)] TimeSpan RetryWindow,
    [property: Id(3)] long Listed,
    [property: Id(4)] long Duplicates,
    [property: Id(5)] long Suppressed,
    [property: Id(6)] IReadOnlyDictionary<string, long> SuppressedBy,
    [property: Id(7)] long Pending,
    [property: Id(8)] long Queued,
    [property: Id(9)] long Sent,
    [property: Id(10)] long Delivered,
    [property: Id(11)] long BouncedHard,
    [property: Id(12)] IReadOnlyDictionary<string, long> HardBy,
    [property: Id(13)] long SoftBounces,
    [property: Id(14)] IReadOnlyDictionary<string, long> SoftBy,
    [property: Id(15)] long Retrying,
    [property: Id(16)] long Retries,
    [property: Id(17)] long Failed,
    [property: Id(18)] long Complaints,
    [property: Id(19)] long Unsubscribes,
    [property: Id(20)] long Cancelled,
    [property: Id(21)] long AwaitingBounces)
{
    /// <summary>Why the mailing's mail carries no one-click unsubscribe (this silo's public URL is not https); null when it does.</summary>
    [Id(22)]
    public string? OneClickLeftOut { get; init; }
}

/// <summary>One recipient's outcome, for <c>mailing show --recipients</c> and the tests.</summary>
[GenerateSerializer, Immutable, Alias("Techmail.MailingRecipientState")]
public sealed record MailingRecipientState(
    [property: Id(0)] long Index,
    [property: Id(1)] string Address,
    [property: Id(2)] string State,
    [property: Id(3)] string? Detail,
    [property: Id(4)] int Attempts,
    [property: Id(5)] string? MessageId,
    [property: Id(6)] bool Complained,
    [property: Id(7)] bool Unsubscribed);

/// <summary>A bounce or complaint attributed to one recipient of a mailing, as bounce intake hands it over.</summary>
/// <param name="EventKey">The report's message key: the same report seen again changes nothing.</param>
/// <param name="Attempt">The send the report is about (from the VERP tag or the Message-ID), when known.</param>
/// <param name="HardBounce">True hard, false soft, null neither (a complaint, a delivery or vacation notice).</param>
[GenerateSerializer, Immutable, Alias("Techmail.MailingBounce")]
public sealed record MailingBounce(
    [property: Id(0)] long Index,
    [property: Id(1)] string EventKey,
    [property: Id(2)] int? Attempt,
    [property: Id(3)] string Reason,
    [property: Id(4)] bool? HardBounce,
    [property: Id(5)] string? Detail);
