using System.Buffers;
using System.Text;
using MimeKit;
using MimeKit.Utils;

namespace Techmail.Outgoing;

/// <summary>
/// An acknowledgement written straight out, when every value in it is plain ASCII that MimeKit would write unchanged:
/// no RFC 2047 encoding, no quoting, no folding. Then the bytes are the ones <see cref="IncidentMail"/> composes through
/// MimeKit (IncidentMailTests holds the two to each other), in a fraction of the time: composing through MimeKit's
/// header objects was a twentieth of the ingest path's CPU. Anything else is left to MimeKit.
/// </summary>
internal static class PlainAcknowledgement
{
    // MimeKit folds a header line longer than 78 characters; a margin, since folding is what this cannot do.
    private const int MaxHeaderLine = 76;

    // RFC 5322's atext: what a display-name word or a dot-atom part holds without quoting.
    private static readonly SearchValues<char> Atext =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$%&'*+-/=?^_`{|}~");

    private static readonly SearchValues<char> HostName =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-");

    private static readonly SearchValues<char> PrintableOrTab = SearchValues.Create(
        "\t !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~");

    /// <returns>The message, or null when a value needs what only MimeKit does.</returns>
    public static byte[]? TryWrite(MailFields fields, string body)
    {
        var text = new StringBuilder(1024);
        var plain =
            Header(text, MailSender.GeneratedHeader, "acknowledgement")
            && Header(text, "From", Address(fields.From))
            && Header(text, "Date", DateUtils.FormatDate(fields.Date))
            && Header(text, "Subject", Unstructured(fields.Subject))
            && Header(text, "Message-Id", Id(fields.MessageId))
            && (fields.ReplyTo is null || Header(text, "Reply-To", Address(fields.ReplyTo)))
            && Header(text, "To", Address(fields.To))
            && (fields.InReplyTo is null || Header(text, "In-Reply-To", Id(fields.InReplyTo)))
            && (fields.References.Count == 0 || Header(text, "References", fields.References.All(r => Id(r) is not null) ? string.Join(' ', fields.References) : null))
            && Header(text, "Auto-Submitted", "auto-replied")
            && Header(text, "MIME-Version", "1.0")
            && Header(text, "Content-Type", "text/plain; charset=utf-8")
            && Body(text, body);
        return plain ? Encoding.ASCII.GetBytes(text.ToString()) : null;
    }

    private static bool Header(StringBuilder text, string name, string? value)
    {
        if (value is null || name.Length + 2 + value.Length > MaxHeaderLine)
        {
            return false;
        }

        text.Append(name).Append(": ").Append(value).Append("\r\n");
        return true;
    }

    /// <summary>Printable ASCII without runs of spaces or anything that reads as an encoded word.</summary>
    private static string? Unstructured(string value) =>
        value.Length > 0 && IsPrintable(value) && value[0] != ' ' && value[^1] != ' '
        && !value.Contains("  ", StringComparison.Ordinal) && !value.Contains("=?", StringComparison.Ordinal)
            ? value
            : null;

    private static string? Id(string value) =>
        value.Length > 2 && value[0] == '<' && value[^1] == '>' && IsPrintable(value) && !value.Contains(' ', StringComparison.Ordinal) ? value : null;

    /// <summary>"Name &lt;local@domain&gt;", or the bare address without a name, when neither needs quoting.</summary>
    private static string? Address(MailboxAddress mailbox)
    {
        var at = mailbox.Address.LastIndexOf('@');
        if (at <= 0 || !DotAtom(mailbox.Address.AsSpan(0, at)) || !Host(mailbox.Address.AsSpan(at + 1)) || mailbox.Route.Count > 0)
        {
            return null;
        }

        if (string.IsNullOrEmpty(mailbox.Name))
        {
            return mailbox.Address;
        }

        return mailbox.Name.Split(' ').All(word => word.Length > 0 && !word.AsSpan().ContainsAnyExcept(Atext))
            ? $"{mailbox.Name} <{mailbox.Address}>"
            : null;
    }

    private static bool DotAtom(ReadOnlySpan<char> local)
    {
        foreach (var part in local.Split('.'))
        {
            if (part.End.Value == part.Start.Value || local[part].ContainsAnyExcept(Atext))
            {
                return false;
            }
        }

        return true;
    }

    private static bool Host(ReadOnlySpan<char> domain)
    {
        foreach (var label in domain.Split('.'))
        {
            if (label.End.Value == label.Start.Value || domain[label].ContainsAnyExcept(HostName))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The body as MimeKit writes a text part without a transfer encoding: LF line ends become CRLF.</summary>
    private static bool Body(StringBuilder text, string body)
    {
        if (!body.EndsWith('\n') || body.AsSpan().ContainsAny('\r', '\0'))
        {
            return false;
        }

        text.Append("\r\n");
        foreach (var line in body.AsSpan(0, body.Length - 1).Split('\n'))
        {
            var content = body.AsSpan(0, body.Length - 1)[line];
            // 7bit: printable ASCII and tabs, lines well under SMTP's 998.
            if (content.Length > 998 || content.ContainsAnyExcept(PrintableOrTab))
            {
                return false;
            }

            text.Append(content).Append("\r\n");
        }

        return true;
    }

    private static bool IsPrintable(string value) => !value.AsSpan().ContainsAnyExceptInRange(' ', '~');
}
