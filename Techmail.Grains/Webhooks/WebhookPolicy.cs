using System.Globalization;

namespace Techmail.Webhooks;

/// <summary>What to do with a delivery after an attempt.</summary>
public enum DeliveryAction
{
    Delivered,
    /// <summary>Try again at <see cref="DeliveryDecision.RetryAt"/>.</summary>
    Retry,
    /// <summary>Given up: past <see cref="WebhookPolicy.GiveUpAfter"/>; the reason is recorded on the row.</summary>
    Fail,
    /// <summary>The receiver answered 410 Gone: the webhook is disabled and its waiting deliveries fail with it.</summary>
    Disable,
}

public sealed record DeliveryDecision(DeliveryAction Action, DateTimeOffset? RetryAt, string? Reason);

/// <summary>
/// Webhook delivery settings and the retry rule: any 2xx is delivered; 410 Gone disables the webhook; anything else
/// (another status, a timeout, a refused connection, an address not allowed) is tried again after
/// <see cref="FirstRetry"/>, doubled each time up to <see cref="MaxRetry"/>, each wait drawn between half and all of
/// that (jitter, so receivers coming back are not hit by every sender at the same second), until
/// <see cref="GiveUpAfter"/> from the event, when the last failure is recorded.
/// </summary>
public sealed record WebhookPolicy
{
    /// <summary>Polls failed in a row that make a mailbox failing (its webhook event): one can be a blip, and each poll already retries.</summary>
    public const int MailboxFailingAfter = 3;

    /// <summary>Deliveries to loopback, private, link-local and other non-public addresses; off unless the operator allows them.</summary>
    public bool AllowPrivateAddresses { get; init; }

    /// <summary>One attempt's whole time: connecting, sending and reading the answer.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Attempts in flight at once to one receiving host, per silo, all tenants together.</summary>
    public int ConcurrencyPerHost { get; init; } = 4;

    public TimeSpan FirstRetry { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan MaxRetry { get; init; } = TimeSpan.FromHours(1);

    public TimeSpan GiveUpAfter { get; init; } = TimeSpan.FromHours(24);

    /// <summary>
    /// How long a claimed delivery is held by the drain that claimed it: beyond one attempt's time, so a slow attempt
    /// is never sent twice at once, and short, so a delivery whose silo died is sent by another soon after.
    /// </summary>
    public TimeSpan Lease => (Timeout * 2) + TimeSpan.FromSeconds(5);

    /// <param name="status">The receiver's HTTP status, or null when no answer came.</param>
    /// <param name="error">Why there was no answer, or a short account of the answer.</param>
    /// <param name="attempts">Attempts of this delivery including the one just made.</param>
    /// <param name="random">A value in [0, 1) for the jitter.</param>
    public DeliveryDecision Decide(int? status, string? error, int attempts, DateTimeOffset created, DateTimeOffset now, double random)
    {
        if (status is >= 200 and < 300)
        {
            return new DeliveryDecision(DeliveryAction.Delivered, null, null);
        }

        var what = status is { } s ? $"receiver answered {s.ToString(CultureInfo.InvariantCulture)}{(string.IsNullOrEmpty(error) ? "" : $": {error}")}" : error ?? "no answer";
        if (status == 410)
        {
            return new DeliveryDecision(DeliveryAction.Disable, null, $"{what}; webhook disabled");
        }

        var deadline = created + GiveUpAfter;
        if (now >= deadline)
        {
            return new DeliveryDecision(DeliveryAction.Fail, null, $"gave up after {attempts.ToString(CultureInfo.InvariantCulture)} attempts: {what}");
        }

        var delay = Delay(attempts);
        var wait = TimeSpan.FromTicks((long)(delay.Ticks * (0.5 + (random * 0.5))));
        // The last attempt falls on the deadline rather than past it.
        var at = now + wait < deadline ? now + wait : deadline;
        return new DeliveryDecision(DeliveryAction.Retry, at, what);
    }

    /// <summary>The longest wait after the n-th failed attempt: FirstRetry doubled n-1 times, at most MaxRetry.</summary>
    public TimeSpan Delay(int attempts)
    {
        var ticks = FirstRetry.Ticks * Math.Pow(2, Math.Clamp(attempts - 1, 0, 40));
        return ticks >= MaxRetry.Ticks ? MaxRetry : TimeSpan.FromTicks((long)ticks);
    }
}
