namespace Techmail.Mailings;

/// <summary>How mailings pace themselves and retry soft bounces; tests shorten the times.</summary>
public sealed record MailingPolicy
{
    /// <summary>The waits after a recipient's first, second, ... soft bounce; the last repeats.</summary>
    public IReadOnlyList<TimeSpan> SoftRetryDelays { get; init; } =
        [TimeSpan.FromHours(1), TimeSpan.FromHours(4), TimeSpan.FromHours(12), TimeSpan.FromHours(24), TimeSpan.FromHours(48)];

    /// <summary>Recipients composed and queued by one batch grain call.</summary>
    public int SliceSize { get; init; } = 500;

    /// <summary>
    /// Batch grains a mailing's slices are spread over ("tenant/id/slot"): enough for a cluster's silos to share
    /// the composing, few enough that each activation keeps its template and key warm.
    /// </summary>
    public int Slots { get; init; } = 8;

    /// <summary>
    /// At most this many of a mailing's recipients wait in the outbox at once: enough to keep the relay's connections
    /// busy between two looks, little enough that a pause or cancel stops the mailing within seconds.
    /// </summary>
    public int InFlight { get; init; } = 4000;

    /// <summary>How often a sending mailing looks at its outbox rows and queues more.</summary>
    public TimeSpan Tick { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The URL one-click unsubscribe links start with (the silo's HTTP host as the public reaches it); set by the silo.</summary>
    public string PublicUrl { get; init; } = "http://127.0.0.1:8080";

    /// <summary>
    /// Why mail leaves out the one-click unsubscribe link and <c>List-Unsubscribe-Post</c>; null when it carries them. RFC
    /// 8058 requires an HTTPS URI, and mailbox providers ignore (or distrust) a plain-http one, so an http public URL
    /// (the fallback when <c>Techmail:PublicUrl</c> is unset) leaves only the mailto link.
    /// </summary>
    public string? OneClickLeftOut => OneClickLeftOutFor(PublicUrl);

    /// <summary>Why mail composed for this public URL carries no one-click link, or null when it carries one.</summary>
    public static string? OneClickLeftOutFor(string publicUrl) => publicUrl.StartsWith("https://", StringComparison.OrdinalIgnoreCase)
        ? null
        : $"Techmail:PublicUrl must be https for one-click unsubscribe (RFC 8058); it is {publicUrl}, so mail carries only the mailto link";

    public TimeSpan SoftRetryDelay(int softBounces) =>
        SoftRetryDelays.Count == 0 ? TimeSpan.FromHours(1) : SoftRetryDelays[Math.Clamp(softBounces - 1, 0, SoftRetryDelays.Count - 1)];
}
