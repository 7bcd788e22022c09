using System.Text.Json;

namespace Techmail.Bounces;

/// <summary>
/// Amazon SES event notifications delivered by e-mail (SNS): a JSON document whose notificationType
/// says Bounce, Complaint or Delivery, with SES's own bounce type.
/// </summary>
internal static class AmazonSesNotification
{
    public static bool TryRead(string text, out List<RecipientDraft> drafts, out string? messageId, out string? source)
    {
        drafts = [];
        messageId = null;
        source = null;
        var start = EventStart(text, "\"notificationType\"");
        if (start < 0) start = EventStart(text, "\"eventType\"");
        var wrapped = start < 0;
        // Raw SNS delivery wraps the SES event as a JSON string in the "Message" field.
        if (wrapped && text.Contains("\"Notification\"", StringComparison.Ordinal)) start = text.IndexOf('{');
        if (start < 0) return false;
        try
        {
            using var document = ParseFirstValue(text[start..]);
            var root = document.RootElement;
            if (wrapped)
            {
                if (!root.TryGetProperty("Message", out var inner) || inner.ValueKind != JsonValueKind.String) return false;
                using var innerDocument = ParseFirstValue(inner.GetString()!);
                return ReadEvent(innerDocument.RootElement, drafts, out messageId, out source);
            }
            return ReadEvent(root, drafts, out messageId, out source);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>
    /// The brace that opens the event whose first member is <paramref name="key"/>; SES writes it compact, but a
    /// notification passed on by a person or a tool is often indented, with white space after the brace.
    /// </summary>
    private static int EventStart(string text, string key)
    {
        var at = text.IndexOf(key, StringComparison.Ordinal);
        if (at < 0) return -1;
        var brace = at - 1;
        while (brace >= 0 && char.IsWhiteSpace(text[brace])) brace--;
        return brace >= 0 && text[brace] == '{' ? brace : -1;
    }

    private static JsonDocument ParseFirstValue(string text)
    {
        // SNS folds long JSON onto continuation lines; the line breaks are not part of the document.
        var json = text.Replace("\n ", "").Replace("\n", "");
        var reader = new Utf8JsonReader(System.Text.Encoding.UTF8.GetBytes(json), new JsonReaderOptions { AllowTrailingCommas = true });
        return JsonDocument.ParseValue(ref reader);
    }

    private static bool ReadEvent(JsonElement root, List<RecipientDraft> drafts, out string? messageId, out string? source)
    {
        messageId = null;
        source = null;
        {
            var type = Text(root, "notificationType") ?? Text(root, "eventType");
            if (root.TryGetProperty("mail", out var mail))
            {
                messageId = Text(mail, "messageId");
                source = Text(mail, "source");
            }
            switch (type)
            {
                case "Bounce" when root.TryGetProperty("bounce", out var bounce):
                    ReadBounce(bounce, drafts);
                    break;
                case "Complaint" when root.TryGetProperty("complaint", out var complaint):
                    foreach (var address in Recipients(complaint, "complainedRecipients"))
                        drafts.Add(new RecipientDraft(address) { KnownReason = BounceReason.Feedback, Diagnostic = Text(complaint, "complaintFeedbackType") });
                    break;
                case "Delivery" when root.TryGetProperty("delivery", out var delivery):
                    var response = Text(delivery, "smtpResponse");
                    if (delivery.TryGetProperty("recipients", out var list) && list.ValueKind == JsonValueKind.Array)
                        foreach (var item in list.EnumerateArray())
                            if (item.GetString() is { } address)
                                drafts.Add(new RecipientDraft(address) { Action = "delivered", Diagnostic = response, KnownReason = BounceReason.Delivered });
                    break;
            }
            return drafts.Count > 0;
        }
    }

    private static void ReadBounce(JsonElement bounce, List<RecipientDraft> drafts)
    {
        var bounceType = Text(bounce, "bounceType");
        var subType = Text(bounce, "bounceSubType");
        if (!bounce.TryGetProperty("bouncedRecipients", out var list) || list.ValueKind != JsonValueKind.Array) return;
        foreach (var item in list.EnumerateArray())
        {
            var address = Text(item, "emailAddress");
            if (address is null) continue;
            var draft = new RecipientDraft(address)
            {
                Action = Text(item, "action"),
                Status = Text(item, "status"),
                Diagnostic = Text(item, "diagnosticCode"),
            };
            draft.Diagnostic = ReportFields.TypedText(draft.Diagnostic, out var diagType);
            draft.DiagnosticType = diagType;
            // SES's own verdicts are precise for these sub-types; otherwise the diagnostic decides.
            draft.KnownReason = subType switch
            {
                "Suppressed" or "OnAccountSuppressionList" => BounceReason.Suppressed,
                "MailboxFull" => BounceReason.MailboxFull,
                "MessageTooLarge" => BounceReason.MesgTooBig,
                "ContentRejected" => BounceReason.ContentError,
                "AttachmentRejected" => BounceReason.VirusDetected,
                "NoEmail" when draft.Diagnostic is null => BounceReason.UserUnknown,
                _ when bounceType == "Transient" && draft.Diagnostic is null => BounceReason.OnHold,
                _ => null,
            };
            drafts.Add(draft);
        }
    }

    private static IEnumerable<string> Recipients(JsonElement element, string property)
    {
        if (!element.TryGetProperty(property, out var list) || list.ValueKind != JsonValueKind.Array) yield break;
        foreach (var item in list.EnumerateArray())
            if (Text(item, "emailAddress") is { } address)
                yield return address;
    }

    private static string? Text(JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;
}
