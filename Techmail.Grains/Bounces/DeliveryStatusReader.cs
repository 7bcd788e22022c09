using System.Runtime.CompilerServices;
namespace Techmail.Bounces;

/// <summary>RFC 3464 delivery status notifications: one field group per recipient after the per-message group.</summary>
internal static class DeliveryStatusReader
{
    public static bool LooksLikeFields(string text) =>
        text.Contains("Final-Recipient:", StringComparison.OrdinalIgnoreCase)
        || (text.Contains("Original-Recipient:", StringComparison.OrdinalIgnoreCase) && text.Contains("Action:", StringComparison.OrdinalIgnoreCase));

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static List<RecipientDraft> Read(string fields)
    {
        var drafts = new List<RecipientDraft>();
        foreach (var group in ReportFields.ReadGroups(fields))
        {
            // Some MTAs omit the blank lines between recipients; a new recipient field starts a new group.
            RecipientDraft? draft = null;
            string? original = null;
            // RFC 3464 sets no order within a group: some MTAs put Action/Status/Diagnostic-Code before the recipient.
            List<KeyValuePair<string, string>>? early = null;
            foreach (var (key, value) in group)
            {
                if (key.Equals("Final-Recipient", StringComparison.OrdinalIgnoreCase)
                    || (key.Equals("Original-Recipient", StringComparison.OrdinalIgnoreCase) && draft is not null && draft.Address.Length == 0))
                {
                    var address = Addresses.Mailbox(ReportFields.Address(value));
                    if (address is null) continue;
                    if (draft is not null && draft.Address.Length > 0 && key.Equals("Final-Recipient", StringComparison.OrdinalIgnoreCase))
                        drafts.Add(draft);
                    draft = new RecipientDraft(address);
                    continue;
                }
                if (key.Equals("Original-Recipient", StringComparison.OrdinalIgnoreCase))
                {
                    original ??= ReportFields.Address(value);
                    continue;
                }
                if (draft is null && original is null)
                {
                    (early ??= []).Add(new(key, value));
                    continue;
                }
                draft ??= new RecipientDraft(original!);
                Apply(draft, key, value);
            }
            if (draft is null && original is not null) draft = new RecipientDraft(original);
            if (draft is not null && early is not null)
                foreach (var (key, value) in early)
                    Apply(draft, key, value, onlyIfUnset: true);
            if (draft is not null) drafts.Add(draft);
            // A final recipient that is a program or a route rather than a mailbox: the original address is the one
            // the sender knows (RFC 3464 section 2.3.1).
            if (original is not null && draft is not null && !Addresses.IsMailbox(draft.Address) && Addresses.IsMailbox(original))
                drafts[^1] = draft.WithAddress(original);
        }
        return Deduplicate(drafts);
    }

    private static void Apply(RecipientDraft draft, string key, string value, bool onlyIfUnset = false)
    {
        switch (key.ToLowerInvariant())
        {
            case "action" when !onlyIfUnset || draft.Action is null: draft.Action = value; break;
            case "status" when !onlyIfUnset || draft.Status is null: draft.Status = value; break;
            case "diagnostic-code" when !onlyIfUnset || draft.Diagnostic is null:
                draft.Diagnostic = ReportFields.TypedText(value, out var type);
                draft.DiagnosticType = type;
                break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static List<RecipientDraft> Deduplicate(List<RecipientDraft> drafts)
    {
        if (drafts.Count < 2) return drafts;
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var unique = new List<RecipientDraft>(drafts.Count);
        foreach (var draft in drafts)
            if (seen.Add(draft.Address))
                unique.Add(draft);
        return unique;
    }
}
