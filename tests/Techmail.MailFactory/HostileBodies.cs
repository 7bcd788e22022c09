using System.Text;

namespace Techmail.MailFactory;

/// <summary>The hostile kinds whose defect is in the body: charsets, transfer encodings, MIME structure, raw bytes.</summary>
internal sealed class HostileBodies(Random random)
{
    /// <summary>Levels of multipart nesting in <see cref="HostileKind.DeepNesting"/>: well past any parser's depth limit.</summary>
    internal const int NestingDepth = 3000;

    public GeneratedMail UnknownCharset(string token, DateTimeOffset date)
    {
        var (w, sender) = Begin(token, date, $"=?x-klingon-9?B?{Convert.ToBase64String(EightBit(24))}?= {token}");
        w.Line("Content-Type: text/plain; charset=\"x-klingon-9\"");
        w.Line("Content-Transfer-Encoding: 8bit");
        w.Line();
        w.Text("qapla' ").Bytes(EightBit(200)).Line();
        w.Line(token);
        return Done(w, token, HostileKind.UnknownCharset, sender);
    }

    public GeneratedMail InvalidBase64(string token, DateTimeOffset date)
    {
        var boundary = $"b64-{random.Next():x}";
        var (w, sender) = Begin(token, date, $"Broken base64 {token}");
        w.Line($"Content-Type: multipart/mixed; boundary=\"{boundary}\"");
        w.Line();
        w.Line($"--{boundary}");
        w.Line("Content-Type: text/plain; charset=utf-8");
        w.Line("Content-Transfer-Encoding: base64");
        w.Line();
        // Characters outside the alphabet, padding in the middle, and a last quantum of three characters.
        w.Line("SGVsbG8gd29ybGQ*&^%$#@!");
        w.Line("===AAA=B");
        w.Line("QUJ");
        w.Line($"--{boundary}");
        w.Line("Content-Type: application/pdf; name=\"report.pdf\"");
        w.Line("Content-Disposition: attachment; filename=\"report.pdf\"");
        w.Line("Content-Transfer-Encoding: base64");
        w.Line();
        var encoded = Convert.ToBase64String(RandomBytes(2048)).ToCharArray();
        for (var i = 0; i < 20; i++)
        {
            encoded[random.Next(encoded.Length)] = "!*~{}\\"[random.Next(6)];
        }

        var text = new string(encoded);
        for (var i = 0; i < text.Length - 1; i += 76)
        {
            w.Line(text.Substring(i, Math.Min(76, text.Length - 1 - i)));
        }

        w.Line($"--{boundary}--");
        return Done(w, token, HostileKind.InvalidBase64, sender);
    }

    public GeneratedMail InvalidQuotedPrintable(string token, DateTimeOffset date)
    {
        var (w, sender) = Begin(token, date, $"Broken quoted-printable {token}");
        w.Line("Content-Type: text/plain; charset=iso-8859-1");
        w.Line("Content-Transfer-Encoding: quoted-printable");
        w.Line();
        w.Line($"Caf=E9 with a bad escape =ZZ and =G1 here, {token}");
        // Far over the 76 characters a quoted-printable line may have, with no soft breaks.
        w.Line(string.Concat(Enumerable.Range(0, 400).Select(i => i % 7 == 0 ? "=3D" : "x")));
        w.Line("a soft break at the very end =");
        // A cut escape and no final line break.
        w.Text("=E");
        return Done(w, token, HostileKind.InvalidQuotedPrintable, sender);
    }

    public GeneratedMail DeepNesting(string token, DateTimeOffset date)
    {
        var (w, sender) = Begin(token, date, $"Deep nesting {token}");
        w.Line("Content-Type: multipart/mixed; boundary=\"d0\"");
        w.Line();
        for (var level = 0; level < NestingDepth - 1; level++)
        {
            w.Line($"--d{level}");
            w.Line($"Content-Type: multipart/mixed; boundary=\"d{level + 1}\"");
            w.Line();
        }

        w.Line($"--d{NestingDepth - 1}");
        w.Line("Content-Type: text/plain; charset=us-ascii");
        w.Line();
        w.Line($"At the bottom. {token}");
        for (var level = NestingDepth - 1; level >= 0; level--)
        {
            w.Line($"--d{level}--");
        }

        return Done(w, token, HostileKind.DeepNesting, sender);
    }

    public GeneratedMail MissingBoundary(string token, DateTimeOffset date)
    {
        var (w, sender) = Begin(token, date, $"Missing boundary {token}");
        w.Line($"Content-Type: multipart/mixed; boundary=\"declared-{random.Next():x}\"");
        w.Line();
        w.Line("--another-boundary");
        w.Line("Content-Type: text/plain");
        w.Line();
        w.Line($"The declared boundary never comes. {token}");
        w.Line("--another-boundary");
        w.Line("Content-Type: application/octet-stream");
        w.Line("Content-Transfer-Encoding: base64");
        w.Line();
        w.Line(Convert.ToBase64String(RandomBytes(300)));
        return Done(w, token, HostileKind.MissingBoundary, sender);
    }

    public GeneratedMail TruncatedMidPart(string token, DateTimeOffset date)
    {
        var boundary = $"cut-{random.Next():x}";
        var (w, sender) = Begin(token, date, $"Truncated {token}");
        w.Line($"Content-Type: multipart/mixed; boundary=\"{boundary}\"");
        w.Line();
        w.Line($"--{boundary}");
        w.Line("Content-Type: text/plain; charset=us-ascii");
        w.Line();
        w.Line($"The attachment below was cut in transit. {token}");
        w.Line($"--{boundary}");
        w.Line("Content-Type: image/png; name=\"screenshot.png\"");
        w.Line("Content-Disposition: attachment; filename=\"screenshot.png\"");
        w.Line("Content-Transfer-Encoding: base64");
        w.Line();
        var encoded = Convert.ToBase64String(RandomBytes(6000));
        var cut = encoded.Length * 3 / 5;
        for (var i = 0; i < cut; i += 76)
        {
            var end = Math.Min(i + 76, cut);
            // The last line stops mid-line: no line break, no closing boundary.
            if (end == cut)
            {
                w.Text(encoded[i..end]);
            }
            else
            {
                w.Line(encoded[i..end]);
            }
        }

        return Done(w, token, HostileKind.TruncatedMidPart, sender);
    }

    public GeneratedMail ZeroLengthBody(string token, DateTimeOffset date)
    {
        var (w, sender) = Begin(token, date, $"Empty {token}");
        w.Line("Content-Type: text/plain; charset=us-ascii");
        w.Line();
        return Done(w, token, HostileKind.ZeroLengthBody, sender);
    }

    public GeneratedMail BinaryGarbage(string token)
    {
        var bytes = RandomBytes(random.Next(2048, 8192));
        // Never a header: it starts with NUL and 0xFF. The token goes in the middle so the bytes can still be traced.
        bytes[0] = 0x00;
        bytes[1] = 0xFF;
        var mark = Encoding.ASCII.GetBytes($" {token} ");
        mark.CopyTo(bytes, bytes.Length / 2);
        return new GeneratedMail(token, nameof(HostileKind.BinaryGarbage), bytes, Hostile: true);
    }

    private (RawWriter Writer, string Sender) Begin(string token, DateTimeOffset date, string subject)
    {
        var sender = $"sender{random.Next(100_000, 1_000_000)}@example.net";
        var w = new RawWriter();
        CommonHeaders.Start(w, token, date);
        w.Line($"From: {sender}");
        w.Line($"Subject: {subject}");
        CommonHeaders.ToDateAndMime(w, date);
        w.Line($"Message-ID: {CommonHeaders.MessageId(token)}");
        return (w, sender);
    }

    private static GeneratedMail Done(RawWriter w, string token, HostileKind kind, string sender) =>
        new(token, kind.ToString(), w.ToArray(), Hostile: true) { MessageId = CommonHeaders.MessageId(token), Sender = sender };

    /// <summary>Bytes from 0x80 to 0xFF only: text in a charset nobody can name.</summary>
    private byte[] EightBit(int count)
    {
        var bytes = new byte[count];
        for (var i = 0; i < count; i++)
        {
            bytes[i] = (byte)random.Next(0x80, 0x100);
        }

        return bytes;
    }

    private byte[] RandomBytes(int count)
    {
        var bytes = new byte[count];
        random.NextBytes(bytes);
        return bytes;
    }
}
