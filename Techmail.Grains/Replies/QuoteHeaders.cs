using System.Text.RegularExpressions;

namespace Techmail.Replies;

/// <summary>
/// The lines mail clients write above quoted history: "On … wrote:" and its equivalents, "-----Original Message-----"
/// separators, the From/Sent/To/Subject blocks of Outlook, and the markers of forwarded messages (which are not
/// history: the customer sends them on purpose). Thirteen languages; the words are facts about the clients.
/// </summary>
internal static partial class QuoteHeaders
{
    /// <summary>Attributions often wrap; this many lines are joined at most.</summary>
    public const int MaxAttributionLines = 3;

    // Verbs that end or sit inside an attribution ("… a écrit :", "Am … schrieb X <x@y>:").
    private const string Verbs =
        @"wrote|writes|has written|schrieb|hat geschrieben|a\s+écrit|écrit|escribió|escribio|ha escrito|ha scritto|scrisse|escreveu|" +
        @"schreef|geschreven|skrev|pisze|napisał\(a\)|napisała|napisał|napisana przez|написал\(а\)|написала|написал|пишет|" +
        @"写道|寫道|のメール|のメッセージ";

    // Words an attribution starts with ("On", "Am", "Le", …); the Apple Mail Polish form names the writer first.
    private const string Prefixes =
        @"On|Am|Le|El|Il giorno|Il|Em|Op|Den|W dniu|Wiadomość napisana przez|在|Quoting|Zitat von|Citando";

    /// <summary>Whether these joined lines are an attribution of quoted text.</summary>
    /// <param name="afterBreak">The first line follows a blank line, a quote or the start: needed when no prefix says so.</param>
    public static bool IsAttribution(string joined, bool afterBreak)
    {
        var text = joined.Replace("*", "", StringComparison.Ordinal).Trim();
        // Zoho frames it in dashes and leaves the colon out: "---- On … wrote ----".
        if (Framed().Match(text) is { Success: true } framed) text = framed.Groups[1].Value.Trim() + ":";
        if (text.Length is < 6 or > 320 || !EndsWithColon().IsMatch(text)) return false;
        // Horde and others: "Quoting Name <x@y>:", "Zitat von Name:".
        if (QuotingPrefix().IsMatch(text)) return true;
        var prefixed = StartsWithPrefix().IsMatch(text);
        if (!prefixed && !afterBreak) return false;
        if (EndsWithVerb().IsMatch(text)) return prefixed || HasDigitOrAt().IsMatch(text);
        var hasVerb = HasVerb().IsMatch(text);
        if (prefixed && hasVerb && HasDigit().IsMatch(text)) return true;
        // "Jan <jan@x> schreef op 14 februari 2024 09:12:", "12.03.2024 10:15, Name пишет …:"
        if (hasVerb && (AngledAddress().IsMatch(text) || StartsWithDigit().IsMatch(text))) return true;
        // Gmail in Russian, Japanese and others: "вт, 12 мар. 2024 г. в 10:15, Name <x@y>:"
        return EndsWithAngledAddress().IsMatch(text) && ClockTime().IsMatch(text);
    }

    /// <summary>
    /// Whether text whose last character (stars and white space aside, see <see cref="LastSignificant"/>) is
    /// <paramref name="last"/> can be an attribution: <see cref="IsAttribution"/> only takes text that ends in a colon,
    /// or framed in dashes. A cheap test that spares joining lines that cannot be one.
    /// </summary>
    public static bool MayEndAttribution(char last) => last is ':' or '：' or '-';

    /// <summary>The last character that is neither white space nor '*', or '\0' when there is none.</summary>
    public static char LastSignificant(string text)
    {
        for (var i = text.Length - 1; i >= 0; i--)
            if (text[i] != '*' && !char.IsWhiteSpace(text[i])) return text[i];
        return '\0';
    }

    /// <summary>"-----Original Message-----" and its equivalents, which Outlook and others put above the old mail.</summary>
    public static bool IsOriginalMessageSeparator(string line) => OriginalMessage().IsMatch(line);

    /// <summary>The start of a forwarded message, which is kept.</summary>
    public static bool IsForwardMarker(string line) => Forward().IsMatch(line);

    /// <summary>A line of underscores, dashes or equals signs that clients put between a reply and the old mail.</summary>
    public static bool IsRule(string line) => Rule().IsMatch(line);

    /// <summary>
    /// Whether an Outlook-style header block (From: … then Sent:/Date:, To:, Subject:) starts at <paramref name="start"/>:
    /// the From line and at least two of the other fields within the next lines, so a sentence starting "From:" is no block.
    /// </summary>
    public static bool IsHeaderBlock(IReadOnlyList<string> lines, int start)
    {
        if (!FromField().IsMatch(lines[start])) return false;
        var seen = 0;
        var (sent, to, subject) = (false, false, false);
        for (var i = start + 1; i < lines.Count && i <= start + 7; i++)
        {
            var line = lines[i];
            if (line.Trim().Length == 0) break;
            if (!sent && SentField().IsMatch(line)) (sent, seen) = (true, seen + 1);
            else if (!to && ToField().IsMatch(line)) (to, seen) = (true, seen + 1);
            else if (!subject && SubjectField().IsMatch(line)) (subject, seen) = (true, seen + 1);
        }
        return seen >= 2;
    }

    [GeneratedRegex(@"^-{2,}\s*(.+?)\s*-{2,}$")]
    private static partial Regex Framed();

    [GeneratedRegex(@"^(Quoting|Zitat von|Citando|Citation de|Cytuję|Цитата)\s.{1,200}[:：]$", RegexOptions.IgnoreCase)]
    private static partial Regex QuotingPrefix();

    [GeneratedRegex(@"[:：]\s*$")]
    private static partial Regex EndsWithColon();

    [GeneratedRegex(@"^(" + Prefixes + @")[\s,]", RegexOptions.IgnoreCase)]
    private static partial Regex StartsWithPrefix();

    [GeneratedRegex(@"(" + Verbs + @")\s*[:：]\s*$", RegexOptions.IgnoreCase)]
    private static partial Regex EndsWithVerb();

    [GeneratedRegex(@"(^|[\s,>)\d\p{Lo}])(" + Verbs + @")($|[\s:：(])", RegexOptions.IgnoreCase)]
    private static partial Regex HasVerb();

    [GeneratedRegex(@"[0-9@]")]
    private static partial Regex HasDigitOrAt();

    [GeneratedRegex(@"[0-9]")]
    private static partial Regex HasDigit();

    [GeneratedRegex(@"^[0-9]")]
    private static partial Regex StartsWithDigit();

    [GeneratedRegex(@"<[^<>\s]+@[^<>\s]+>")]
    private static partial Regex AngledAddress();

    [GeneratedRegex(@"<[^<>\s]+@[^<>\s]+>\)?\s*[:：]\s*$")]
    private static partial Regex EndsWithAngledAddress();

    [GeneratedRegex(@"\d{1,2}[:.]\d{2}")]
    private static partial Regex ClockTime();

    [GeneratedRegex(
        @"^\s*[-_=]{2,}\s*(Original Message|Original-Nachricht|Ursprüngliche Nachricht|Originalnachricht|Message d'origine|Message original|" +
        @"Mensaje original|Messaggio originale|Mensagem original|Oorspronkelijk bericht|Origineel bericht|Oprindelig meddelelse|" +
        @"Original meddelelse|Ursprungligt meddelande|Originalmeddelande|Wiadomość oryginalna|Oryginalna wiadomość|Исходное сообщение|" +
        @"Оригинальное сообщение|元のメッセージ|原始邮件|原始郵件|原邮件)\s*[-_=]{2,}\s*$",
        RegexOptions.IgnoreCase)]
    private static partial Regex OriginalMessage();

    [GeneratedRegex(
        @"^\s*(-{2,}\s*)?(Forwarded message|Forwarded Message|Weitergeleitete Nachricht|Message transféré|Mensaje reenviado|Messaggio inoltrato|" +
        @"Mensagem encaminhada|Doorgestuurd bericht|Videresendt meddelelse|Vidarebefordrat meddelande|Przekazana wiadomość|" +
        @"Пересылаемое сообщение|転送されたメッセージ|转发的邮件|轉寄的郵件|Begin forwarded message|Anfang der weitergeleiteten Nachricht|" +
        @"Début du message réexpédié|Inicio del mensaje reenviado|Inizio messaggio inoltrato|Início da mensagem reencaminhada)\s*:?\s*(-{2,}\s*)?$",
        RegexOptions.IgnoreCase)]
    private static partial Regex Forward();

    [GeneratedRegex(@"^\s*([-_=])\1{4,}\s*$")]
    private static partial Regex Rule();

    private const string FieldEnd = @"\s*\**\s*[:：]";

    [GeneratedRegex(@"^\s*\**\s*(From|Von|De|Da|Van|Fra|Från|Od|От|差出人|发件人|寄件者|送信者)" + FieldEnd, RegexOptions.IgnoreCase)]
    private static partial Regex FromField();

    [GeneratedRegex(
        @"^\s*\**\s*(Sent|Date|Gesendet|Datum|Envoyé|Enviado el|Enviado|Enviada em|Enviada|Data|Inviato|Verzonden|Sendt|Dato|Skickat|" +
        @"Wysłano|Wysłane|Отправлено|Дата|送信日時|日付|发送时间|日期|傳送時間|寄件日期)" + FieldEnd,
        RegexOptions.IgnoreCase)]
    private static partial Regex SentField();

    [GeneratedRegex(@"^\s*\**\s*(To|An|À|A|Para|Aan|Til|Till|Do|Кому|宛先|收件人|收件者)" + FieldEnd, RegexOptions.IgnoreCase)]
    private static partial Regex ToField();

    [GeneratedRegex(
        @"^\s*\**\s*(Subject|Betreff|Objet|Asunto|Oggetto|Assunto|Onderwerp|Emne|Ämne|Temat|Тема|件名|主题|主旨)" + FieldEnd,
        RegexOptions.IgnoreCase)]
    private static partial Regex SubjectField();
}
