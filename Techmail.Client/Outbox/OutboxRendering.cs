using Spectre.Console;
using Techmail.Client.Infrastructure;
using Techmail.Outgoing;

namespace Techmail.Client.Outbox;

/// <summary>How an outbox looks in a terminal.</summary>
public static class OutboxRendering
{
    /// <summary>Rows under a mailbox's status: counts always, the rest only when there is something to say.</summary>
    public static void Status(OutboxStatus s)
    {
        var grid = new Grid().AddColumn().AddColumn();
        void Row(string label, string? value) => grid.AddRow($"[grey]{label}[/]", Output.Escape(value ?? "-"));
        Row("Outbox", $"{s.Queued} queued, {s.Sent} sent, {s.Failed} failed");
        if (s.Queued > 0)
        {
            Row("Oldest queued", s.OldestQueuedAge is { } age ? $"{Age(age)} ago" : null);
            Row("Next send attempt", s.NextAttempt?.ToString("u"));
            Row("Outbox held", s.Held);
            Row("Outbox retrying after", s.LastError);
        }

        foreach (var f in s.RecentFailures)
        {
            Row("Failed mail", $"#{f.Id} to {string.Join(", ", f.Recipients)} ({f.Reference ?? "no reference"}): {f.LastError}");
        }

        AnsiConsole.Write(grid);
    }

    public static Table List(IEnumerable<OutboxEntry> rows)
    {
        var table = new Table().AddColumns("Id", "Mailbox", "Queued", "State", "Attempts", "Next attempt / sent", "To", "Reference", "Size", "Last error");
        foreach (var e in rows)
        {
            table.AddRow(
                e.Id.ToString(),
                Output.Escape(e.Mailbox),
                e.Created.ToString("u"),
                e.State switch { OutboxState.Failed => "[red]failed[/]", OutboxState.Sent => "[green]sent[/]", _ => "queued" },
                e.Attempts.ToString(),
                (e.State == OutboxState.Sent ? e.Sent : e.NextAttempt)?.ToString("u") ?? "-",
                Output.Escape(string.Join(", ", e.Recipients)),
                Output.Escape(e.Reference ?? "-"),
                e.Size.ToString("N0"),
                Output.Escape(e.LastError ?? "-"));
        }

        return table;
    }

    private static string Age(TimeSpan t) =>
        t.TotalHours >= 1 ? $"{(int)t.TotalHours}h {t.Minutes}m" : t.TotalMinutes >= 1 ? $"{(int)t.TotalMinutes}m {t.Seconds}s" : $"{t.Seconds}s";
}
