namespace Techmail.Mailboxes;

/// <summary>What a mailbox grain persists. Secrets inside <see cref="Settings"/> are always sealed.</summary>
[GenerateSerializer, Alias("Techmail.MailboxState")]
public sealed class MailboxState
{
    [Id(0)] public MailboxSettings? Settings { get; set; }
    [Id(1)] public MailboxStatus Status { get; set; } = MailboxStatus.Initial;
    [Id(2)] public DateTimeOffset Created { get; set; }
    [Id(3)] public DateTimeOffset Updated { get; set; }

    /// <summary>The period the poll reminder was registered with, so an unchanged schedule costs no reminder write.</summary>
    [Id(4)] public TimeSpan? ReminderPeriod { get; set; }

    /// <summary>Counts the saves of <see cref="Settings"/>; 0 for state stored before versions were kept.</summary>
    [Id(5)] public long Version { get; set; }
}
