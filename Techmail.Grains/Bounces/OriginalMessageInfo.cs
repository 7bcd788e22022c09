using System.Text.RegularExpressions;
using MimeKit;

namespace Techmail.Bounces;

/// <summary>The original message's Message-ID and envelope sender, from whichever copy the report returned.</summary>
internal static partial class OriginalMessageInfo
{
    public static (string? MessageId, string? EnvelopeFrom) Find(MessageView view, string? envelopeHint)
    {
        string? messageId = null;
        string? envelopeFrom = envelopeHint;
        if (view.OriginalHeaders is { } headers)
        {
            messageId = Clean(headers["Message-ID"]);
            envelopeFrom ??= Addresses.FromHeaderValue(headers["Return-Path"]) ?? Addresses.FromHeaderValue(headers["From"]);
        }
        if (messageId is null || envelopeFrom is null)
        {
            // Plain-text reports paste the original headers inline after the report.
            var text = view.HumanText.Length > 20000 ? view.HumanText[..20000] : view.HumanText;
            if (messageId is null && InlineMessageId().Match(text) is { Success: true } id)
                messageId = id.Groups[1].Value;
            if (envelopeFrom is null && InlineReturnPath().Match(text) is { Success: true } path)
                envelopeFrom = path.Groups[1].Value;
        }
        // A bounce is addressed to the original envelope sender (RFC 5321 section 4.5.5).
        envelopeFrom ??= Addresses.First(view.Message.To);
        return (messageId, envelopeFrom);
    }

    private static string? Clean(string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) return null;
        return value.Trim().Trim('<', '>');
    }

    [GeneratedRegex(@"^\s*Message-ID:\s*<([^>\s]+)>", RegexOptions.IgnoreCase | RegexOptions.Multiline)]
    private static partial Regex InlineMessageId();

    [GeneratedRegex(@"^\s*Return-Path:\s*<([^>\s]+@[^>\s]+)>", RegexOptions.IgnoreCase | RegexOptions.Multiline)]
    private static partial Regex InlineReturnPath();
}
