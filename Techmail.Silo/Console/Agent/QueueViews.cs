using Techmail.Incidents;

namespace Techmail.Silo.WebConsole.Agent;

/// <summary>
/// The queue page's side panel, from the tenant's open incidents counted by status, queue and assignee. "Unread" is
/// an incident waiting for an agent (new, or updated by the customer since the last answer); "waiting" is one
/// waiting for the customer.
/// </summary>
public sealed record QueueViews(IReadOnlyList<QueueView> Statuses, IReadOnlyList<QueueView> Queues, IReadOnlyList<QueueView> Assignees)
{
    public static QueueViews From(IReadOnlyList<IncidentCount> counts, string me)
    {
        static int Unread(IEnumerable<IncidentCount> c) => c.Where(x => x.Status is IncidentStatus.New or IncidentStatus.Updated).Sum(x => x.Count);
        static int Waiting(IEnumerable<IncidentCount> c) => c.Where(x => x.Status == IncidentStatus.Waiting).Sum(x => x.Count);

        var statuses = new[] { IncidentStatus.New, IncidentStatus.Updated, IncidentStatus.Waiting }
            .Select(s => new QueueView(Label(s), new QueueFilter(Status: s), counts.Where(c => c.Status == s).Sum(c => c.Count), null))
            .Append(new QueueView("Solved", new QueueFilter(Status: IncidentStatus.Solved), null, null))
            .ToList();
        var queues = counts.Where(c => c.Queue is not null).GroupBy(c => c.Queue!, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.OrdinalIgnoreCase)
            .Select(g => new QueueView(g.Key, new QueueFilter(Queue: g.Key), Unread(g), Waiting(g)))
            .ToList();
        var mine = counts.Where(c => c.Assignee == me).ToList();
        var unassigned = counts.Where(c => c.Assignee is null).ToList();
        var assignees = new List<QueueView>
        {
            new("Mine", new QueueFilter(Assignee: me), Unread(mine), Waiting(mine)),
            new("Unassigned", new QueueFilter(Assignee: ""), Unread(unassigned), Waiting(unassigned)),
        };
        assignees.AddRange(counts.Where(c => c.Assignee is { Length: > 0 } a && a != me).GroupBy(c => c.Assignee!, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.OrdinalIgnoreCase)
            .Select(g => new QueueView(g.Key, new QueueFilter(Assignee: g.Key), Unread(g), Waiting(g))));
        return new QueueViews(statuses, queues, assignees);
    }

    /// <summary>A status as addresses and badges write it.</summary>
    public static string Name(IncidentStatus status) => status.ToString().ToLowerInvariant();

    /// <summary>A status as a heading or a link says it.</summary>
    public static string Label(IncidentStatus status) => status.ToString();
}

/// <param name="Count">For a status: how many; null when not counted (solved).</param>
/// <param name="Waiting">For a queue or assignee: how many wait for the customer (<paramref name="Count"/> is then the unread).</param>
public sealed record QueueView(string Label, QueueFilter Filter, int? Count, int? Waiting);

/// <summary>What the queue page lists, as its address carries it.</summary>
/// <param name="Assignee">An assignee's name; the empty string: assigned to nobody.</param>
public sealed record QueueFilter(IncidentStatus? Status = null, string? Queue = null, string? Assignee = null, string? Text = null, string? Before = null)
{
    public static QueueFilter Parse(Microsoft.AspNetCore.Http.IQueryCollection query)
    {
        var status = Enum.TryParse<IncidentStatus>(query["status"].ToString(), ignoreCase: true, out var s) && Enum.IsDefined(s) ? s : (IncidentStatus?)null;
        string? Text(string name) => query[name].Count > 0 ? query[name].ToString() : null;
        return new QueueFilter(status, Text("queue") is { Length: > 0 } q ? q : null, Text("assignee"), Text("text") is { Length: > 0 } t ? t : null, Text("before") is { Length: > 0 } b ? b : null);
    }

    public IncidentQuery Query(string tenant, int take) => new(tenant, Status: Status, Queue: Queue, Text: Text, Take: take, Before: Before, Assignee: Assignee);

    /// <summary>The queue page's address for this filter.</summary>
    public string Href()
    {
        var parts = new List<string>();
        void Add(string name, string? value)
        {
            if (value is not null)
            {
                parts.Add($"{name}={Uri.EscapeDataString(value)}");
            }
        }

        Add("status", Status is { } s ? QueueViews.Name(s) : null);
        Add("queue", Queue);
        Add("assignee", Assignee);
        Add("text", Text);
        Add("before", Before);
        return parts.Count == 0 ? ConsoleRoutes.Queue : $"{ConsoleRoutes.Queue}?{string.Join('&', parts)}";
    }

    public bool Same(QueueFilter other) => Status == other.Status && Queue == other.Queue && Assignee == other.Assignee;
}
