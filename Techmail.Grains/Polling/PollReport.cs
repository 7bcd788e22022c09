using Techmail.Mailboxes;

namespace Techmail.Polling;

/// <summary>What one poll did. Counts are of messages taken off (or, for LeftOnServer, deliberately left on) the server.</summary>
public sealed record PollReport
{
    public int Listed { get; set; }
    public int Fetched { get; set; }
    public int Accepted { get; set; }
    public int Discarded { get; set; }
    public int Rejected { get; set; }
    public int Quarantined { get; set; }
    public int Duplicates { get; set; }
    public int LeftOnServer { get; set; }

    /// <summary>Why the poll failed, or a problem with some messages; null when all went well.</summary>
    public string? Error { get; set; }

    public MailFetchFailure? Failure { get; set; }

    public CircuitState Circuit { get; set; }

    public bool Succeeded => Failure is null;

    public MailboxCounts AddTo(MailboxCounts counts) => counts with
    {
        Fetched = counts.Fetched + Fetched,
        Accepted = counts.Accepted + Accepted,
        Discarded = counts.Discarded + Discarded,
        Rejected = counts.Rejected + Rejected,
        Quarantined = counts.Quarantined + Quarantined,
        Duplicates = counts.Duplicates + Duplicates,
    };
}
