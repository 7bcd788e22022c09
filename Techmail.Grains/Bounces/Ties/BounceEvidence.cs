using MimeKit;
using MimeKit.Utils;
using Techmail.Outgoing;

namespace Techmail.Bounces.Ties;

/// <summary>
/// The Message-IDs a report names as the mail it is about: the returned message's or headers' Message-ID (as the
/// classifier read it) and the report's own In-Reply-To and References. Anyone can write these; they tie a report
/// only when one of them is the id of mail the tenant's outbox holds for the reported recipient.
/// </summary>
public static class BounceEvidence
{
    /// <summary>More than any honest report carries; a References list can be long, and only its newest ids matter.</summary>
    public const int MaxIds = 10;

    public static IReadOnlyList<string> MessageIds(MimeMessage report, string? originalMessageId)
    {
        ArgumentNullException.ThrowIfNull(report);
        var ids = new List<string>();
        Add(ids, originalMessageId);
        foreach (var id in Referenced(report.Headers[HeaderId.InReplyTo]))
        {
            Add(ids, id);
        }

        foreach (var id in Referenced(report.Headers[HeaderId.References]).Reverse())
        {
            Add(ids, id);
        }

        return ids;
    }

    private static IEnumerable<string> Referenced(string? header)
    {
        if (string.IsNullOrWhiteSpace(header)) return [];
        try
        {
            return MimeUtils.EnumerateReferences(header).ToList();
        }
        catch (FormatException)
        {
            return [];
        }
    }

    private static void Add(List<string> ids, string? id)
    {
        if (ids.Count < MaxIds && SentMessageIds.Normalize(id) is { } normalized && !ids.Contains(normalized))
        {
            ids.Add(normalized);
        }
    }
}
