using System.Text.RegularExpressions;

namespace Techmail.Bounces;

/// <summary>Builds recipient drafts from a plain-text (non-RFC 3464) report.</summary>
internal static class TextReportReader
{
    public static List<RecipientDraft> Read(MessageView view)
    {
        var message = view.Message;
        var report = PlainTextReport.ReportPart(view.HumanText);

        // Some reports carry the RFC 3464 fields inline in the text part.
        if (DeliveryStatusReader.LooksLikeFields(report))
        {
            var inline = DeliveryStatusReader.Read(report);
            if (inline.Count > 0)
            {
                foreach (var draft in inline)
                    draft.Context = report;
                return inline;
            }
        }

        var excluded = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        Addresses.AddAll(excluded, message.From);
        Addresses.AddAll(excluded, message.To);
        Addresses.AddAll(excluded, message.Cc);
        Addresses.AddAll(excluded, message.ReplyTo);
        if (view.OriginalHeaders is { } original)
        {
            AddHeader(excluded, original["From"]);
            AddHeader(excluded, original["Return-Path"]);
        }

        var blocks = PlainTextReport.Blocks(report, excluded);
        if (blocks.Count == 0 && message.To.Count > 0)
        {
            // Someone writing to themselves: the failed recipient is also the bounce's addressee.
            excluded.Clear();
            Addresses.AddAll(excluded, message.From);
            blocks = PlainTextReport.Blocks(report, excluded);
        }
        if (blocks.Count == 0 && message.Headers["X-Failed-Recipients"] is { } failed)
        {
            // Exim and Google name the failed addresses in this header even when the text does not.
            foreach (Match match in Addresses.Address().EnumerateMatchesAsMatches(failed))
                blocks.Add((match.Groups[1].Value, report));
        }
        var drafts = new List<RecipientDraft>(blocks.Count);
        var context = report + "\n" + message.Subject;
        foreach (var (address, block) in blocks)
        {
            drafts.Add(new RecipientDraft(address)
            {
                Diagnostic = block,
                Context = blocks.Count == 1 ? context : message.Subject,
            });
        }
        if (drafts.Count == 0 && view.OriginalHeaders is { } headers && Addresses.FromHeaderValue(headers["To"]) is { } to)
        {
            // The report names nobody; the returned message says whom it was for.
            drafts.Add(new RecipientDraft(to) { Diagnostic = report, Context = message.Subject });
        }
        return drafts;
    }

    private static void AddHeader(HashSet<string> set, string? value)
    {
        var address = Addresses.FromHeaderValue(value);
        if (address is not null) set.Add(Addresses.Normalize(address));
    }
}
