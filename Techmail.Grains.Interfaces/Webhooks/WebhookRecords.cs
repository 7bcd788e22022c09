namespace Techmail.Webhooks;

/// <param name="Url">Where events are POSTed: an absolute http or https URL.</param>
/// <param name="Events">Names from <see cref="WebhookEventTypes.All"/>; at least one.</param>
[GenerateSerializer, Immutable, Alias("Techmail.WebhookRequest")]
public sealed record WebhookRequest(
    [property: Id(0)] string Url,
    [property: Id(1)] IReadOnlyList<string> Events);

/// <summary>A webhook as admins see it: never its secret.</summary>
/// <param name="DisabledReason">Why it no longer receives events (the receiver answered 410 Gone); null while enabled.</param>
/// <param name="LastError">The newest failed attempt of a delivery still queued or given up on, if any.</param>
[GenerateSerializer, Immutable, Alias("Techmail.WebhookInfo")]
public sealed record WebhookInfo(
    [property: Id(0)] string Id,
    [property: Id(1)] string Url,
    [property: Id(2)] IReadOnlyList<string> Events,
    [property: Id(3)] bool Enabled,
    [property: Id(4)] string? DisabledReason,
    [property: Id(5)] DateTimeOffset Created,
    [property: Id(6)] string CreatedBy,
    [property: Id(7)] WebhookCounts Deliveries);

/// <param name="Queued">Deliveries waiting for their first try or a retry.</param>
/// <param name="Delivered">Deliveries the receiver took, within the retention of ended deliveries (a week by default).</param>
/// <param name="Failed">Deliveries given up on (past the retry time, or the webhook disabled), with <paramref name="LastError"/>; within the same retention.</param>
[GenerateSerializer, Immutable, Alias("Techmail.WebhookCounts")]
public sealed record WebhookCounts(
    [property: Id(0)] long Queued,
    [property: Id(1)] long Delivered,
    [property: Id(2)] long Failed,
    [property: Id(3)] string? LastError);

/// <summary>A webhook just added, with its secret: the only time the secret leaves the silo.</summary>
[GenerateSerializer, Immutable, Alias("Techmail.WebhookCreated")]
public sealed record WebhookCreated(
    [property: Id(0)] WebhookInfo Webhook,
    [property: Id(1)] string Secret);

/// <summary>What a receiver answered to a <c>ping</c> sent at once (not queued, not retried).</summary>
/// <param name="Status">The HTTP status, or null when no answer came (then <paramref name="Error"/> says why).</param>
/// <param name="Body">The start of the answer's body, as text.</param>
[GenerateSerializer, Immutable, Alias("Techmail.WebhookTestResult")]
public sealed record WebhookTestResult(
    [property: Id(0)] string Webhook,
    [property: Id(1)] string EventId,
    [property: Id(2)] int? Status,
    [property: Id(3)] string? Body,
    [property: Id(4)] TimeSpan Elapsed,
    [property: Id(5)] string? Error)
{
    public bool Delivered => Status is >= 200 and < 300;
}

public enum WebhookErrorKind
{
    Invalid,
    NotFound,
}

/// <summary>A refusal the client shows as it is: what was wrong, in one line.</summary>
[GenerateSerializer, Alias("Techmail.WebhookException")]
public sealed class WebhookException : Exception
{
    public WebhookException(WebhookErrorKind kind, string message) : base(message) => Kind = kind;

    [Id(0)]
    public WebhookErrorKind Kind { get; private set; }
}
