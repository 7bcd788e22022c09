using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using MimeKit;

namespace Techmail.Bounces;

/// <summary>The original message's Message-ID and envelope sender, from whichever copy the report returned.</summary>
internal static class OriginalMessageInfo
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static (string? MessageId, string? EnvelopeFrom) Find(MessageView view, string? envelopeHint)
    {
        string? messageId = null;
        string? envelopeFrom = envelopeHint;
        if (view.OriginalHeaders is { } headers)
        {
            messageId = Clean(headers["Message-ID"]);
            envelopeFrom ??= Addresses.FromHeaderValue(headers["Return-Path"])
                ?? Addresses.FromHeaderValue(headers["From"]);
        }
        if (messageId is null || envelopeFrom is null)
        {
            // Plain-text reports paste the original headers inline after the report.
            var text = view.HumanText;
            if (messageId is null && MatchFrom(InlineMessageId(), text, "Message-ID:") is { Success: true } id)
                messageId = id.Groups[1].Value;
            if (envelopeFrom is null && MatchFrom(InlineReturnPath(), text, "Return-Path:") is { Success: true } path)
                envelopeFrom = path.Groups[1].Value;
        }
        // A bounce is addressed to the original envelope sender (RFC 5321 section 4.5.5).
        envelopeFrom ??= Addresses.FromHeaderValue(Addresses.RawHeader(view.Message.Headers, "To"));
        return (messageId, envelopeFrom);
    }

    /// <summary>Runs a header-line pattern from the line holding the first mention of its field name.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static Match? MatchFrom(Regex pattern, string text, string field)
    {
        var at = text.IndexOf(field, StringComparison.OrdinalIgnoreCase);
        if (at < 0) return null;
        var lineStart = text.LastIndexOf('\n', Math.Max(0, at - 1)) + 1;
        return pattern.Match(text, lineStart);
    }

    private static string? Clean(string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) return null;
        return value.Trim().Trim('<', '>');
    }

    private static Regex InlineMessageId() => _inlineMessageId ??= new(@"^\s*Message-ID:\s*<([^>\s]+)>", RegexOptions.IgnoreCase | RegexOptions.Multiline | RegexOptions.Compiled);
    private static Regex? _inlineMessageId;

    private static Regex InlineReturnPath() => _inlineReturnPath ??= new(@"^\s*Return-Path:\s*<([^>\s]+@[^>\s]+)>", RegexOptions.IgnoreCase | RegexOptions.Multiline | RegexOptions.Compiled);
    private static Regex? _inlineReturnPath;
}
