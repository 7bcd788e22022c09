using System.Text.RegularExpressions;

namespace Techmail.Replies;

/// <summary>
/// What closes a reply and is not its message: the "-- " signature delimiter, the "Sent from my …" lines of mobile
/// clients, and a sign-off ("Kind regards," with the name and contact lines under it). A sign-off is only cut when it
/// is told reliably: a known closing phrase alone on its line, near the end, followed by a few short lines at most.
/// </summary>
internal static partial class SignatureRules
{
    /// <summary>A sign-off is looked for among this many last lines of text.</summary>
    private const int SignOffWindow = 8;

    /// <summary>At most this many lines (name, role, company, phone) may follow a sign-off.</summary>
    private const int MaxLinesAfterSignOff = 6;

    private const int MaxSignatureLineLength = 60;

    /// <summary>At most this many lines may follow a "-- " delimiter; more is not a signature but a cut-off message.</summary>
    private const int MaxSignatureLines = 15;

    /// <summary>"-- " (RFC 3676) and the bare "--" many clients write once trailing spaces are trimmed.</summary>
    public static bool IsDelimiter(string line) => line.TrimEnd() == "--";

    public static bool IsSentFrom(string line)
    {
        var text = line.Trim();
        return text.Length is > 0 and <= MaxSignatureLineLength && SentFrom().IsMatch(text);
    }

    /// <summary>
    /// Removes the signature, "Sent from" lines and the sign-off from the end of <paramref name="lines"/> (non-blank
    /// lines only), never everything: a reply that is only "Thanks!" keeps it.
    /// </summary>
    public static void Trim(List<string> lines)
    {
        var delimiter = lines.FindIndex(IsDelimiter);
        if (delimiter > 0 && NonBlank(lines.Skip(delimiter + 1)) <= MaxSignatureLines) lines.RemoveRange(delimiter, lines.Count - delimiter);

        DropSentFrom(lines);
        var signOff = FindSignOff(lines);
        if (signOff > 0) lines.RemoveRange(signOff, lines.Count - signOff);
        DropSentFrom(lines);
    }

    private static void DropSentFrom(List<string> lines)
    {
        DropBlankEnd(lines);
        while (NonBlank(lines) > 1 && IsSentFrom(lines[^1]))
        {
            lines.RemoveAt(lines.Count - 1);
            DropBlankEnd(lines);
        }
    }

    private static void DropBlankEnd(List<string> lines)
    {
        while (lines.Count > 0 && lines[^1].Trim().Length == 0) lines.RemoveAt(lines.Count - 1);
    }

    private static int NonBlank(IEnumerable<string> lines) => lines.Count(l => l.Trim().Length > 0);

    /// <summary>The first line of a sign-off in the last lines, or -1.</summary>
    private static int FindSignOff(List<string> lines)
    {
        var total = NonBlank(lines);
        var seen = 0;
        for (var i = 0; i < lines.Count; i++)
        {
            if (lines[i].Trim().Length == 0) continue;
            seen++;
            // Something of the reply must stay above it, and it must be near the end.
            if (seen == 1 || total - seen >= SignOffWindow || !IsSignOff(lines[i])) continue;
            var after = lines.Skip(i + 1).Where(l => l.Trim().Length > 0).ToList();
            if (after.Count <= MaxLinesAfterSignOff && after.All(l => l.Trim().Length <= MaxSignatureLineLength)) return i;
        }
        return -1;
    }

    private static bool IsSignOff(string line)
    {
        var text = line.Trim();
        return text.Length <= MaxSignatureLineLength
            && (SignOffLatin().IsMatch(text) || SignOffCjk().IsMatch(text) || SignOffWithName().IsMatch(text));
    }

    private const string Closings =
        // English
        @"thanks|thank you|thanks again|many thanks|thanks in advance|thx|cheers|regards|best regards|kind regards|warm regards|" +
        @"warmest regards|best wishes|best|all the best|sincerely|yours sincerely|sincerely yours|yours truly|yours faithfully|respectfully|with thanks|" +
        // German
        @"mit freundlichen grüßen|mit freundlichen grüssen|mit freundlichem gruß|freundliche grüße|freundliche grüsse|viele grüße|viele grüsse|" +
        @"beste grüße|beste grüsse|liebe grüße|herzliche grüße|schöne grüße|lg|vg|mfg|gruß|gruss|grüße|danke|vielen dank|danke schön|" +
        // French
        @"cordialement|bien cordialement|bien à vous|salutations|meilleures salutations|sincères salutations|merci|merci beaucoup|" +
        @"merci d'avance|bonne journée|amicalement|" +
        // Spanish, Italian, Portuguese
        @"saludos|un saludo|saludos cordiales|un cordial saludo|atentamente|gracias|muchas gracias|cordialmente|" +
        @"cordiali saluti|distinti saluti|saluti|grazie|grazie mille|un saluto|buona giornata|" +
        @"atenciosamente|obrigado|obrigada|abraços|abraço|cumprimentos|att|grato|grata|saudações|" +
        // Dutch, Danish, Swedish
        @"met vriendelijke groet|met vriendelijke groeten|vriendelijke groet|hartelijke groet|groeten|groet|mvg|bedankt|" +
        @"med venlig hilsen|venlig hilsen|de bedste hilsner|hilsen|mvh|vh|" +
        @"med vänliga hälsningar|vänliga hälsningar|bästa hälsningar|hälsningar|" +
        // Polish, Russian
        @"pozdrawiam|pozdrawiam serdecznie|serdecznie pozdrawiam|z poważaniem|z wyrazami szacunku|pozdrowienia|dziękuję|" +
        @"с уважением|спасибо|всего доброго|всего хорошего|с наилучшими пожеланиями|заранее спасибо";

    [GeneratedRegex(@"^(" + Closings + @")\s*[,!.]?$", RegexOptions.IgnoreCase)]
    private static partial Regex SignOffLatin();

    // Japanese and Chinese closings, written with their own punctuation.
    [GeneratedRegex(@"^(よろしくお願い(いた|致)?します|宜しくお願い(いた|致)?します|以上(です)?|谢谢|謝謝|此致(敬礼)?|祝好|顺祝商祺|感谢)[。！!、,]?$")]
    private static partial Regex SignOffCjk();

    // "Gruß, Jonas", "Cheers, Bob Smith": the closing and a capitalised name on one line ("Thanks, that works" is no sign-off).
    [GeneratedRegex(@"^(?i:" + Closings + @")\s*,\s*\p{Lu}[\p{L}'.-]*(\s+\p{Lu}[\p{L}'.-]*){0,2}$")]
    private static partial Regex SignOffWithName();

    [GeneratedRegex(
        @"^(Sent (from|with|via) .{2,50}|Get Outlook for \w+|Von meinem .{2,40} gesendet|Gesendet (von|mit|vom) .{2,40}|" +
        @"Envoyé (de|depuis|avec) .{2,40}|Enviado (desde|con|de|do|pelo|via) .{2,40}|Inviato (da|dal|dalla|con) .{2,40}|" +
        @"(Verzonden|Verstuurd) (vanaf|met|via) .{2,40}|Sendt (fra|med) .{2,40}|Skickat (från|med) .{2,40}|" +
        @"Wysłane (z|ze|przy użyciu) .{2,40}|Отправлено (с|из|со) .{2,40}|.{2,30}から送信|(发自|發自|来自)我的.{2,30})$",
        RegexOptions.IgnoreCase)]
    private static partial Regex SentFrom();
}
