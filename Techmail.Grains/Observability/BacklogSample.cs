namespace Techmail.Observability;

/// <summary>The cluster's queues as one read of the database found them, for the metrics' gauges.</summary>
/// <param name="TakenAt">When it was read (<see cref="Environment.TickCount64"/>), so a stale sample is left out.</param>
/// <param name="NeedsReconnecting">Mailboxes whose OAuth consent the provider refused (revoked, expired).</param>
internal sealed record BacklogSample(double IntakeWaiting, double IntakeOldestAge, double OutboxQueued, double OutboxOldestAge, double NeedsReconnecting, long TakenAt)
{
    /// <summary>Older than this, the database has not answered for a while: better no figure than an old one.</summary>
    internal static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(2);

    public bool Fresh => Environment.TickCount64 - TakenAt < (long)MaxAge.TotalMilliseconds;
}
