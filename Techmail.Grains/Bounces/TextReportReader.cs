using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;

namespace Techmail.Bounces;

/// <summary>Builds recipient drafts from a plain-text (non-RFC 3464) report.</summary>
internal static class TextReportReader
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
        Addresses.AddFromHeaders(excluded, message.Headers, "From");
        Addresses.AddFromHeaders(excluded, message.Headers, "To");
        Addresses.AddFromHeaders(excluded, message.Headers, "Cc");
        Addresses.AddFromHeaders(excluded, message.Headers, "Reply-To");
        if (view.OriginalHeaders is { } original)
        {
            AddHeader(excluded, original["From"]);
            AddHeader(excluded, original["Return-Path"]);
        }

        var blocks = PlainTextReport.Blocks(report, excluded);
        if (blocks.Count == 0 && Addresses.FromHeaderValue(Addresses.RawHeader(message.Headers, "To")) is not null)
        {
            // Someone writing to themselves: the failed recipient is also the bounce's addressee.
            excluded.Clear();
            Addresses.AddFromHeaders(excluded, message.Headers, "From");
            blocks = PlainTextReport.Blocks(report, excluded);
        }
        if (Addresses.RawHeader(message.Headers, "X-Failed-Recipients") is { } failed)
        {
            // Exim and Google name the failed addresses in this header; it is the MTA's own list, so it wins over
            // addresses we picked out of the prose (which may be a list member or a forwarding target).
            var listed = new List<(string Address, string Block)>();
            for (var from = 0; Addresses.TryFind(failed, from, out var index, out var length); from = index + length)
            {
                var address = failed.Substring(index, length);
                var block = blocks.Find(b => b.Address.Equals(address, StringComparison.OrdinalIgnoreCase)).Block;
                listed.Add((address, block ?? report));
            }
            if (listed.Count > 0) blocks = listed;
        }
        var drafts = new List<RecipientDraft>(blocks.Count);
        foreach (var (address, block) in blocks)
        {
            // A block that only repeats its address may have its reason printed on the line above it.
            var diagnostic = SaysOnlyAddress(block, address) && PlainTextReport.ReasonAbove(report, address) is { } above
                ? above + "\n" + block
                : block;
            var draft = new RecipientDraft(address) { Diagnostic = diagnostic };
            if (blocks.Count == 1) draft.SetContext(() => report + "\n" + message.Subject);
            else draft.SetContext(() => message.Subject);
            drafts.Add(draft);
        }
        if (drafts.Count == 0 && view.OriginalHeaders is { } headers && Addresses.FromHeaderValue(headers["To"]) is { } to)
        {
            // The report names nobody; the returned message says whom it was for.
            var draft = new RecipientDraft(to) { Diagnostic = report };
            draft.SetContext(() => message.Subject);
            drafts.Add(draft);
        }
        if (drafts.Count == 0 && InlineOriginalRecipient(view.HumanText) is { } inlineTo)
        {
            // The copy of the original pasted after the report says whom it was for.
            var draft = new RecipientDraft(inlineTo) { Diagnostic = report };
            draft.SetContext(() => message.Subject);
            drafts.Add(draft);
        }
        return drafts;
    }

    private static bool SaysOnlyAddress(string block, string address)
    {
        var rest = block.AsSpan();
        var at = rest.IndexOf(address, StringComparison.OrdinalIgnoreCase);
        if (at >= 0) rest = string.Concat(rest[..at], rest[(at + address.Length)..]).AsSpan();
        foreach (var c in rest)
            if (char.IsLetterOrDigit(c)) return false;
        return true;
    }

    /// <summary>The address on the To: line of the original message's headers, copied inline after the report.</summary>
    private static string? InlineOriginalRecipient(string text)
    {
        var copy = PlainTextReport.CopyStart(text.AsSpan(0, Math.Min(text.Length, 6000)));
        if (copy < 0) return null;
        var seenField = false;
        var first = true;
        foreach (var line in text.AsSpan(copy).EnumerateLines())
        {
            if (first) { first = false; continue; } // the marker line itself
            var trimmed = line.Trim();
            if (trimmed.IsEmpty)
            {
                if (seenField) return null; // end of the copied header block
                continue;
            }
            seenField = true;
            if (trimmed.StartsWith("To:", StringComparison.OrdinalIgnoreCase) && Addresses.TryFind(trimmed, 0, out var index, out var length))
                return trimmed.Slice(index, length).ToString();
        }
        return null;
    }

    private static void AddHeader(HashSet<string> set, string? value)
    {
        var address = Addresses.FromHeaderValue(value);
        if (address is not null) set.Add(Addresses.Normalize(address));
    }
}
