using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;

namespace Techmail.Bounces;

/// <summary>The SMTP command a remote server was answering when it refused (RFC 5321 section 3).</summary>
internal enum SmtpStage { Unknown, Connect, Helo, StartTls, MailFrom, RcptTo, Data }

/// <summary>
/// Finds which SMTP command a failure answered, from the ways MTAs say it: Postfix "(in reply to RCPT TO
/// command)", Exim "SMTP error from remote mail server after end of data", Sendmail and Courier session
/// transcripts ("&gt;&gt;&gt; DATA" then "&lt;&lt;&lt; 550 ..."), qmail "does not like recipient" / "failed after I
/// sent the message", Yahoo "[RCPT_TO]", Gmail "(state 14)", and so on.
/// </summary>
/// <remarks>
/// The stage matters because a server that refuses at RCPT judged the address, while one that refuses only
/// after DATA had accepted the address and is judging the message.
/// </remarks>
internal static class SmtpStages
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static SmtpStage Find(string? text)
    {
        if (string.IsNullOrEmpty(text)) return SmtpStage.Unknown;
        // A transcript names the command exactly, so it wins over prose elsewhere in the report.
        if (text.Contains(">>>", StringComparison.Ordinal) && FromTranscript(text) is { } transcript and not SmtpStage.Unknown)
            return transcript;
        // Every stage phrase contains one of a few words; most texts have none, so the pattern runs only
        // around those words.
        var state = new StageSearch(text);
        Anchors.Scan(text, ref state, static (ref StageSearch search, int position, ulong _) =>
        {
            if (search.Match is not null) return;
            var start = Math.Max(0, position - 24);
            var candidate = Stage().Match(search.Text, start, Math.Min(search.Text.Length, position + 64) - start);
            if (candidate.Success) search.Match = candidate;
        });
        return state.Match is { } match ? FromWord(FirstGroup(match)) : SmtpStage.Unknown;
    }

    /// <summary>
    /// The command sent (a "&gt;&gt;&gt; " line) last before the first 4xx/5xx reply (a "&lt;&lt;&lt; " line); when no refusal
    /// follows any command, the last command sent.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static SmtpStage FromTranscript(string text)
    {
        var last = SmtpStage.Unknown;
        foreach (var line in text.AsSpan().EnumerateLines())
        {
            var sent = line.IndexOf(">>>", StringComparison.Ordinal);
            if (sent >= 0)
            {
                var command = line[(sent + 3)..].TrimStart(" >\t");
                var word = FromCommand(command);
                if (word != SmtpStage.Unknown) last = word;
                continue;
            }
            var received = line.IndexOf("<<<", StringComparison.Ordinal);
            if (received < 0 || last == SmtpStage.Unknown) continue;
            var reply = line[(received + 3)..].TrimStart(' ');
            if (reply.Length >= 3 && reply[0] is '4' or '5' && char.IsAsciiDigit(reply[1]) && char.IsAsciiDigit(reply[2]))
                return last;
        }
        return last;
    }

    private static SmtpStage FromCommand(ReadOnlySpan<char> command)
    {
        if (command.StartsWith("RCPT", StringComparison.OrdinalIgnoreCase)) return SmtpStage.RcptTo;
        if (command.StartsWith("MAIL", StringComparison.OrdinalIgnoreCase)) return SmtpStage.MailFrom;
        if (command.StartsWith("DATA", StringComparison.OrdinalIgnoreCase) || command.StartsWith("BDAT", StringComparison.OrdinalIgnoreCase)
            || command.StartsWith("(end of message)", StringComparison.OrdinalIgnoreCase) || command.StartsWith(".", StringComparison.Ordinal))
            return SmtpStage.Data;
        if (command.StartsWith("EHLO", StringComparison.OrdinalIgnoreCase) || command.StartsWith("HELO", StringComparison.OrdinalIgnoreCase)) return SmtpStage.Helo;
        if (command.StartsWith("STARTTLS", StringComparison.OrdinalIgnoreCase)) return SmtpStage.StartTls;
        return SmtpStage.Unknown;
    }

    private static string FirstGroup(Match match)
    {
        for (var i = 1; i < match.Groups.Count; i++)
            if (match.Groups[i].Success) return match.Groups[i].Value;
        return match.Value;
    }

    private static SmtpStage FromWord(string found)
    {
        var word = found.ToUpperInvariant().Replace(' ', '_');
        if (word is "SENDER" or "MAIL_FROM" or "13") return SmtpStage.MailFrom;
        if (word is "MY_NAME") return SmtpStage.Helo;
        if (word is "RECIPIENT" or "RCPT_TO" or "14") return SmtpStage.RcptTo;
        if (word is "17" or "18" or "BODY" or "THE_MESSAGE" or "I_SENT_THE_MESSAGE") return SmtpStage.Data;
        if (word.StartsWith("MAIL", StringComparison.Ordinal)) return SmtpStage.MailFrom;
        if (word.StartsWith("RCPT", StringComparison.Ordinal)) return SmtpStage.RcptTo;
        if (word.Contains("DATA", StringComparison.Ordinal) || word.Contains("MESSAGE", StringComparison.Ordinal)) return SmtpStage.Data;
        if (word.StartsWith("HELO", StringComparison.Ordinal) || word.StartsWith("EHLO", StringComparison.Ordinal)) return SmtpStage.Helo;
        if (word.StartsWith("STARTTLS", StringComparison.Ordinal)) return SmtpStage.StartTls;
        return SmtpStage.Connect;
    }

    private static readonly AnchorScanner Anchors = new(
        new[] { "after", "reply to", "response to", "did not like", "does not like", "while", "during", "was rejected", "smtp command", "[rcpt", "[mail", "[data", "[body", "(state", "smtp:", "most progress" }.Select(word => (word, 1UL)));

    private struct StageSearch(string text)
    {
        public readonly string Text = text;
        public Match? Match;
    }

    // Postfix, Exim, Exchange and Sendmail prose; qmail's "does not like recipient" (RCPT) and "failed after I sent
    // the message" (DATA); the "SMTP command: DATA" line of some gateways; Yahoo's bracketed stage; Gmail's
    // numbered client state (13 MAIL, 14 RCPT, 17/18 end of data); "SMTP:RCPT host ..." in some gateways' technical
    // details; qmail's "most progress was RCPT TO response" when every MX refused the recipient.
    private static Regex Stage() => _stage ??= new(@"(?:after|in reply to|in response to|did not like our|while (?:sending|performing)(?: the)?|during)\s+(?:the\s+)?(MAIL\s*FROM|RCPT\s*TO|RCPT|end of (?:data|message)|DATA|message body|EHLO|HELO|STARTTLS|initial connection|connect(?:ion)?|greeting)|(my name|sender) was rejected|does not like (recipient|sender)|failed after (I sent the message)|SMTP command\W{0,12}(DATA|RCPT|MAIL|EHLO|HELO)\b|\[(RCPT_TO|MAIL_FROM|DATA|BODY)\]|\(state (1[3478])\)|SMTP:(RCPT|MAIL|DATA)\b|most progress was (RCPT TO|MAIL FROM|DATA)", RegexOptions.IgnoreCase | RegexOptions.Compiled);
    private static Regex? _stage;
}
