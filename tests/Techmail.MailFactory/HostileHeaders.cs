using System.Text;

namespace Techmail.MailFactory;

/// <summary>The hostile kinds whose defect is in the header: broken senders, encodings, sizes and line endings.</summary>
internal sealed class HostileHeaders(Random random)
{
    public GeneratedMail NulInFrom(string token, DateTimeOffset date)
    {
        var n = random.Next(1, 100);
        var w = Begin(token, date);
        // The shape found in issue 16: a reader that stops at the NUL takes a fragment for the address.
        w.Line($"From: Broken Sender {n} <bad\0 {n % 10}@fuz\0.e\0ample>");
        w.Line($"Subject: Question {token}");
        return PlainEnd(w, token, date, "NulInFrom") with { MessageId = CommonHeaders.MessageId(token), Subject = $"Question {token}" };
    }

    public GeneratedMail NulInHeaders(string token, DateTimeOffset date)
    {
        var sender = Sender();
        var w = Begin(token, date);
        w.Line($"From: {sender}");
        w.Line($"Subject: Invoice\0 overdue {token}\0");
        w.Line("X-Note: a\0b\0c");
        CommonHeaders.ToDateAndMime(w, date);
        w.Line($"Message-ID: {CommonHeaders.MessageId(token)}");
        w.Line("Content-Type: text/plain; charset=us-ascii");
        w.Line();
        w.Line($"Hello\0 there, about {token}.");
        return new GeneratedMail(token, nameof(HostileKind.NulInHeaders), w.ToArray(), Hostile: true) { MessageId = CommonHeaders.MessageId(token), Sender = sender };
    }

    public GeneratedMail InvalidEncodedWord(string token, DateTimeOffset date)
    {
        var sender = Sender();
        var w = Begin(token, date);
        w.Line($"From: =?utf-8?B?@@@not-base64?= <{sender}>");
        // A bad Q escape, bad base64, an encoding letter that does not exist, and one never closed.
        w.Line($"Subject: =?utf-8?Q?bad=ZZescape?= =?utf-8?B?!!!not*base64?= =?utf-8?X?unknown?= =?utf-8?Q?unterminated {token}");
        return PlainEnd(w, token, date, "InvalidEncodedWord") with { MessageId = CommonHeaders.MessageId(token), Sender = sender };
    }

    /// <summary>
    /// The high surrogate U+D83D followed by 'A' (UTF-16BE bytes D8 3D 00 41) in the display name, and a subject whose
    /// emoji takes characters 997 and 998 once decoded (a 996-character prefix and a space go first).
    /// </summary>
    public GeneratedMail LoneSurrogate(string token, DateTimeOffset date)
    {
        var sender = Sender();
        var w = Begin(token, date);
        w.Line($"From: =?utf-16be?B?{Convert.ToBase64String([0xD8, 0x3D, 0x00, 0x41])}?= <{sender}>");
        w.Text("Subject:");
        var prefix = SurrogatePrefix();
        // Folded between words: unfolding keeps the space, so the decoded subject is exactly prefix + " " + emoji.
        foreach (var line in FoldWords(prefix))
        {
            w.Line(" " + line);
        }

        // U+1F600 in UTF-8 (F0 9F 98 80).
        w.Line($" =?utf-8?B?8J+YgA==?= {token}");
        return PlainEnd(w, token, date, "LoneSurrogate") with { MessageId = CommonHeaders.MessageId(token), Sender = sender };
    }

    /// <summary>The subject's text before the emoji: 996 characters of words.</summary>
    internal static string SurrogatePrefix()
    {
        var text = new StringBuilder();
        var words = new[] { "lorem", "ipsum", "dolor", "sit", "amet" };
        for (var i = 0; text.Length < 996; i++)
        {
            if (text.Length > 0)
            {
                text.Append(' ');
            }

            text.Append(words[i % words.Length]);
        }

        // Never a space at the end: the fold would lose it.
        var prefix = text.ToString(0, 996);
        return prefix[^1] == ' ' ? prefix[..^1] + "x" : prefix;
    }

    public GeneratedMail HugeHeaderLine(string token, DateTimeOffset date)
    {
        var sender = Sender();
        var w = Begin(token, date);
        w.Line($"From: {sender}");
        w.Line($"Subject: Huge header {token}");
        var huge = new byte[1024 * 1024];
        for (var i = 0; i < huge.Length; i++)
        {
            huge[i] = (byte)('a' + random.Next(26));
        }

        w.Text("X-Huge: ").Bytes(huge).Line();
        return PlainEnd(w, token, date, "HugeHeaderLine") with { MessageId = CommonHeaders.MessageId(token), Sender = sender, Subject = $"Huge header {token}" };
    }

    public GeneratedMail ManyHeaderFields(string token, DateTimeOffset date)
    {
        var sender = Sender();
        var w = Begin(token, date);
        w.Line($"From: {sender}");
        w.Line($"Subject: Many headers {token}");
        for (var i = 0; i < ManyFields; i++)
        {
            w.Line($"X-Field-{i}: value {i} {random.Next()}");
        }

        return PlainEnd(w, token, date, "ManyHeaderFields") with { MessageId = CommonHeaders.MessageId(token), Sender = sender, Subject = $"Many headers {token}" };
    }

    internal const int ManyFields = 10_000;

    public GeneratedMail EmptyFrom(string token, DateTimeOffset date)
    {
        var w = Begin(token, date);
        w.Line("From: ");
        w.Line($"Subject: No sender {token}");
        return PlainEnd(w, token, date, "EmptyFrom") with { MessageId = CommonHeaders.MessageId(token), Subject = $"No sender {token}" };
    }

    public GeneratedMail MultipleFrom(string token, DateTimeOffset date)
    {
        var (first, second) = (Sender(), Sender());
        var w = Begin(token, date);
        w.Line($"From: {first}, {second}");
        w.Line("From: Third Person <third@example.com>");
        w.Line($"Subject: Several senders {token}");
        return PlainEnd(w, token, date, "MultipleFrom") with { MessageId = CommonHeaders.MessageId(token), Subject = $"Several senders {token}" };
    }

    public GeneratedMail GarbageFrom(string token, DateTimeOffset date)
    {
        var w = Begin(token, date);
        w.Line("From: \"unterminated <@@;;<<>>>@, ;;; <> @example..com <a@b@c> ,,,");
        w.Line($"Subject: Garbage sender {token}");
        return PlainEnd(w, token, date, "GarbageFrom") with { MessageId = CommonHeaders.MessageId(token), Subject = $"Garbage sender {token}" };
    }

    public GeneratedMail BareCr(string token, DateTimeOffset date)
    {
        var sender = Sender();
        var lines = new[]
        {
            $"X-Chaos-Token: {token}", $"From: {sender}", $"To: {CommonHeaders.Recipient}", $"Subject: Bare CR {token}",
            $"Date: {CommonHeaders.Date(date)}", $"Message-ID: {CommonHeaders.MessageId(token)}", "Content-Type: text/plain", "",
            "Lines that end in a carriage return", "and nothing else.", token,
        };
        var raw = Encoding.ASCII.GetBytes(string.Join('\r', lines) + "\r");
        return new GeneratedMail(token, nameof(HostileKind.BareCr), raw, Hostile: true) { MessageId = CommonHeaders.MessageId(token), Sender = sender };
    }

    public GeneratedMail BareLf(string token, DateTimeOffset date)
    {
        var sender = Sender();
        var raw = new StringBuilder()
            .Append($"X-Chaos-Token: {token}\r\n")
            .Append($"From: {sender}\n")
            .Append($"To: {CommonHeaders.Recipient}\r\n")
            .Append($"Subject: Bare LF {token}\n")
            .Append($"Date: {CommonHeaders.Date(date)}\n")
            .Append($"Message-ID: {CommonHeaders.MessageId(token)}\r\n")
            .Append("Content-Type: text/plain\n")
            .Append('\n')
            .Append("Body lines end in LF\nonly, and one in CRLF\r\n")
            .Append(token).Append('\n')
            .ToString();
        return new GeneratedMail(token, nameof(HostileKind.BareLf), Encoding.ASCII.GetBytes(raw), Hostile: true) { MessageId = CommonHeaders.MessageId(token), Sender = sender };
    }

    public GeneratedMail EightBitHeaders(string token, DateTimeOffset date)
    {
        var sender = Sender();
        var w = Begin(token, date);
        // Latin-1 é and ü, then UTF-8 text, then bytes that are UTF-8 nowhere (C3 28, FF FE); nothing declares a charset.
        w.Text("From: Jos").Bytes([0xE9]).Text(" M").Bytes([0xFC]).Line($"ller <{sender}>");
        w.Text("Subject: Ünïcödé ").Bytes([0xC3, 0x28, 0x20, 0xFF, 0xFE]).Line($" {token}");
        w.Text("X-Note: ").Bytes([0x80, 0x81, 0x9F, 0xA0]).Line();
        return PlainEnd(w, token, date, "EightBitHeaders") with { MessageId = CommonHeaders.MessageId(token), Sender = sender };
    }

    public GeneratedMail MissingMessageId(string token, DateTimeOffset date)
    {
        var sender = Sender();
        var w = Begin(token, date);
        w.Line($"From: {sender}");
        w.Line($"Subject: No Message-ID {token}");
        CommonHeaders.ToDateAndMime(w, date);
        w.Line("Content-Type: text/plain; charset=us-ascii");
        w.Line();
        w.Line($"This message has no Message-ID. {token}");
        return new GeneratedMail(token, nameof(HostileKind.MissingMessageId), w.ToArray(), Hostile: true) { Sender = sender, Subject = $"No Message-ID {token}" };
    }

    public GeneratedMail DuplicatedMessageId(string token, DateTimeOffset date)
    {
        var sender = Sender();
        var w = Begin(token, date);
        w.Line($"From: {sender}");
        w.Line($"Subject: Two Message-IDs {token}");
        CommonHeaders.ToDateAndMime(w, date);
        w.Line($"Message-ID: {CommonHeaders.MessageId(token)}");
        w.Line($"Message-ID: <{token}-second@chaos.example.net>");
        w.Line("Content-Type: text/plain; charset=us-ascii");
        w.Line();
        w.Line($"This message has two Message-IDs. {token}");
        return new GeneratedMail(token, nameof(HostileKind.DuplicatedMessageId), w.ToArray(), Hostile: true) { Sender = sender, Subject = $"Two Message-IDs {token}" };
    }

    private RawWriter Begin(string token, DateTimeOffset date)
    {
        var w = new RawWriter();
        CommonHeaders.Start(w, token, date);
        return w;
    }

    /// <summary>The rest of an ordinary text message after the kind's own headers.</summary>
    private static GeneratedMail PlainEnd(RawWriter w, string token, DateTimeOffset date, string kind)
    {
        CommonHeaders.ToDateAndMime(w, date);
        w.Line($"Message-ID: {CommonHeaders.MessageId(token)}");
        w.Line("Content-Type: text/plain; charset=us-ascii");
        w.Line();
        w.Line("Hello,");
        w.Line();
        w.Line($"I need help with my account. Reference {token}.");
        return new GeneratedMail(token, kind, w.ToArray(), Hostile: true);
    }

    private string Sender() => $"sender{random.Next(100_000, 1_000_000)}@example.net";

    /// <summary>Words in lines of at most 70 characters; joined by the space each folded line starts with.</summary>
    private static IEnumerable<string> FoldWords(string text)
    {
        var line = new StringBuilder();
        foreach (var word in text.Split(' '))
        {
            if (line.Length > 0 && line.Length + 1 + word.Length > 70)
            {
                yield return line.ToString();
                line.Clear();
            }

            line.Append(line.Length > 0 ? " " : "").Append(word);
        }

        if (line.Length > 0)
        {
            yield return line.ToString();
        }
    }
}
