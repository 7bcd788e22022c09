namespace Techmail.Polling;

/// <summary>How hard polling may push: sessions at once, batch sizes, retries. Set from the silo's configuration.</summary>
public sealed record PollingLimits
{
    /// <summary>
    /// Poll sessions the silo runs at once, all hosts together: a safety cap, not what paces polling (each host's
    /// adaptive limit is), room for two hosts at their ceiling. A session waiting on a server costs a socket and its
    /// buffers, tens of kilobytes with TLS.
    /// </summary>
    public int MaxConcurrentPolls { get; init; } = 512;

    /// <summary>
    /// The ceiling of each host's adaptive limit (see <see cref="AdaptiveSessionLimit"/>), unless <see cref="Hosts"/>
    /// says otherwise. 10,000 one-minute mailboxes on one host need ~167 polls/s; an empty POP3 poll over TLS 100 ms
    /// away is about ten round trips, a second, so ~170 at once; on the benchmark's loaded two cores at 50 ms a poll
    /// took over a second and 128 held polling to 117/s.
    /// </summary>
    public int MaxSessionsPerHost { get; init; } = 256;

    /// <summary>The floor of each host's adaptive limit: however hard a host pushes back, this many sessions still try.</summary>
    public int MinSessionsPerHost { get; init; } = 2;

    /// <summary>
    /// Where each host's limit starts: the fixed limit that carried 10,000 mailboxes on loopback. It grows from here
    /// while polls wait for it, so a new silo is never slower than one with the old fixed limit.
    /// </summary>
    public int InitialSessionsPerHost { get; init; } = 16;

    /// <summary>
    /// Sessions at once with one account on a host not named in <see cref="Hosts"/>. Providers count connections per
    /// account (Dovecot's default is 10 per user and address); Techmail's own need is one per poll and one opened early
    /// for a long POP3 poll's next part, and the rest is left to the account's other clients.
    /// </summary>
    public int SessionsPerAccount { get; init; } = 5;

    /// <summary>Per-host settings; the built-in entries are providers' published per-account limits.</summary>
    public IReadOnlyDictionary<string, HostLimitSettings> Hosts { get; init; } = HostLimitSettings.Providers;

    /// <summary>The limits that apply to <paramref name="host"/>.</summary>
    public HostSessionLimits ForHost(string host)
    {
        var named = Hosts.TryGetValue(host, out var found) ? found : HostLimitSettings.None;
        var floor = named.Floor ?? MinSessionsPerHost;
        var ceiling = Math.Max(floor, named.Ceiling ?? MaxSessionsPerHost);
        return new HostSessionLimits(floor, Math.Clamp(InitialSessionsPerHost, floor, ceiling), ceiling, named.SessionsPerAccount ?? SessionsPerAccount);
    }

    /// <summary>Messages downloaded, screened and handed off together; one transaction and one hand-off call each.</summary>
    public int BatchSize { get; init; } = 100;

    /// <summary>Bytes per batch, so a run of large messages does not hold hundreds of megabytes at once.</summary>
    public long BatchBytes { get; init; } = 16L << 20;

    /// <summary>
    /// Messages a POP3 session takes before it ends (QUIT) and the poll goes on in a new one. POP3 deletes only at
    /// QUIT: without a split, a line dropped late in a 20,000-message poll means downloading all of them again.
    /// </summary>
    public int MessagesPerSession { get; init; } = 1000;

    /// <summary>Bytes a POP3 session takes before the poll goes on in a new one, for the same reason.</summary>
    public long SessionBytes { get; init; } = 256L << 20;

    /// <summary>Messages larger than this are never downloaded; they stay on the server and the status says so.</summary>
    public long MaxDownloadBytes { get; init; } = 64L << 20;

    public int RetryAttempts { get; init; } = 2;
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(1);
    public TimeSpan CircuitBreakDuration { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Each step of a session: connecting and logging in, listing, one batch's download, one batch's deletion, the
    /// session's end. A step that takes longer fails the poll as a transient failure; what earlier steps finished
    /// stays done (deleted batches stay deleted, recorded mail stays recorded). On top of MailKit's per-read timeout.
    /// </summary>
    public TimeSpan StepTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// A poll takes no new batch after this long: it ends its session cleanly and the next poll goes on where it
    /// stopped, so a large backlog drains across polls instead of one poll holding a slot for hours. Not a failure.
    /// </summary>
    public TimeSpan PollBudget { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>How long message keys are remembered; a message gone from the server this long will not come back.</summary>
    public TimeSpan TraceRetention { get; init; } = TimeSpan.FromDays(30);
}
