namespace Techmail.Mailboxes;

/// <summary>
/// Spreads mailboxes over their interval so thousands on one host do not connect in the same second.
/// The offset comes from the mailbox key, so it is stable across restarts and silos.
/// </summary>
public static class PollSchedule
{
    public static TimeSpan FirstDue(string mailboxKey, TimeSpan interval)
    {
        var fraction = StableHash(mailboxKey) / (double)uint.MaxValue;
        // Orleans reminders need a positive due time; a few seconds also lets a fresh silo settle first.
        var settle = TimeSpan.FromSeconds(5);
        return settle + ((interval - settle) * fraction);
    }

    // FNV-1a: string.GetHashCode is randomised per process, which would move every mailbox on restart.
    internal static uint StableHash(string text)
    {
        var hash = 2166136261u;
        foreach (var c in text)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return hash;
    }
}
