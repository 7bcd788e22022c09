using System.Text;
using MimeKit;
using Techmail.MailFactory;

namespace Techmail.Tests.MailFactory;

/// <summary>Each hostile kind really has the defect its name says, carries its token, and is the same for the same seed.</summary>
public class HostileMailTests
{
    public static TheoryData<HostileKind> Kinds() => [.. MailGenerator.HostileKinds];

    [Theory]
    [MemberData(nameof(Kinds))]
    public void EveryKindCarriesItsTokenAndNoOther(HostileKind kind)
    {
        var mail = new MailGenerator(1).Hostile(kind, "chaos-test-0000042");

        Assert.Equal(["chaos-test-0000042"], MailToken.FindAll(mail.Raw));
        Assert.Equal(kind.ToString(), mail.Kind);
        Assert.True(mail.Hostile);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void TheSameSeedGivesTheSameBytes(HostileKind kind)
    {
        var first = new MailGenerator(99).Hostile(kind, "chaos-test-0000001");
        var second = new MailGenerator(99).Hostile(kind, "chaos-test-0000001");

        Assert.Equal(first.Raw, second.Raw);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void EachKindIsWhatItSays(HostileKind kind)
    {
        var raw = new MailGenerator(3).Hostile(kind, "chaos-test-0000007").Raw;
        var text = Encoding.Latin1.GetString(raw);
        var headers = HeaderLines(text);
        switch (kind)
        {
            case HostileKind.NulInFrom:
                Assert.Contains('\0', Single(headers, "From"));
                Assert.Matches(@"^From: Broken Sender \d+ <bad\0 \d@fuz\0\.e\0ample>$", Single(headers, "From"));
                break;
            case HostileKind.NulInHeaders:
                Assert.Contains('\0', Single(headers, "Subject"));
                Assert.Contains('\0', Single(headers, "X-Note"));
                Assert.Contains('\0', Body(text));
                break;
            case HostileKind.UnknownCharset:
                Assert.Contains("charset=\"x-klingon-9\"", Single(headers, "Content-Type"));
                Assert.StartsWith("Subject: =?x-klingon-9?B?", Single(headers, "Subject"));
                Assert.ThrowsAny<ArgumentException>(() => Encoding.GetEncoding("x-klingon-9"));
                Assert.Contains(Body(text), c => c >= 0x80);
                break;
            case HostileKind.InvalidEncodedWord:
                var subject = Single(headers, "Subject");
                Assert.Contains("?Q?bad=ZZ", subject);
                Assert.Contains("?B?!!!not*base64?=", subject);
                Assert.Contains("=?utf-8?X?", subject);
                Assert.Matches(@"=\?utf-8\?Q\?unterminated chaos-test-0000007$", subject);
                break;
            case HostileKind.InvalidBase64:
                var parts = text.Split("\r\n--b64-");
                Assert.All(parts.Skip(1).Where(p => p.Contains("base64", StringComparison.Ordinal)), part =>
                    Assert.Throws<FormatException>(() => Convert.FromBase64String(Body(part).Replace("\r\n", "", StringComparison.Ordinal))));
                break;
            case HostileKind.InvalidQuotedPrintable:
                Assert.Equal("quoted-printable", Single(headers, "Content-Transfer-Encoding").Split(": ")[1]);
                Assert.Contains("=ZZ", Body(text));
                Assert.EndsWith("=E", text);
                Assert.Contains(Body(text).Split("\r\n"), line => line.Length > 76);
                break;
            case HostileKind.LoneSurrogate:
                var parsed = MimeMessage.Load(new MemoryStream(raw)).Subject ?? "";
                Assert.True(char.IsHighSurrogate(parsed[997]), "the emoji starts at character 998");
                Assert.True(char.IsLowSurrogate(parsed[998]));
                Assert.True(char.IsHighSurrogate(parsed[..998][^1]), "a clip to 998 characters leaves a lone high surrogate");
                var encoded = Single(headers, "From").Split("?B?")[1].Split("?=")[0];
                var strict = new UnicodeEncoding(bigEndian: true, byteOrderMark: false, throwOnInvalidBytes: true);
                Assert.Throws<DecoderFallbackException>(() => strict.GetString(Convert.FromBase64String(encoded)));
                break;
            case HostileKind.HugeHeaderLine:
                Assert.True(Single(headers, "X-Huge").Length > 1024 * 1024);
                break;
            case HostileKind.ManyHeaderFields:
                Assert.True(headers.Count >= 10_000, $"{headers.Count} header fields");
                break;
            case HostileKind.DeepNesting:
                Assert.Equal(3000, CountOf(text, "Content-Type: multipart/mixed"));
                Assert.Contains("\r\n--d2999--\r\n", text);
                Assert.EndsWith("\r\n--d0--\r\n", text);
                break;
            case HostileKind.EmptyFrom:
                Assert.Equal("From: ", Single(headers, "From"));
                break;
            case HostileKind.MultipleFrom:
                var froms = headers.Where(h => h.StartsWith("From:", StringComparison.Ordinal)).ToList();
                Assert.Equal(2, froms.Count);
                Assert.Equal(2, InternetAddressList.Parse(froms[0]["From:".Length..]).Mailboxes.Count());
                break;
            case HostileKind.GarbageFrom:
                Assert.False(InternetAddressList.TryParse(Single(headers, "From")["From:".Length..], out _));
                break;
            case HostileKind.MissingBoundary:
                var declared = Single(headers, "Content-Type").Split("boundary=\"")[1].TrimEnd('"');
                Assert.DoesNotContain("--" + declared, Body(text));
                break;
            case HostileKind.TruncatedMidPart:
                var boundary = Single(headers, "Content-Type").Split("boundary=\"")[1].TrimEnd('"');
                Assert.DoesNotContain($"--{boundary}--", text);
                Assert.False(text.EndsWith('\n'), "cut mid-line");
                Assert.Contains("Content-Transfer-Encoding: base64", Body(text));
                break;
            case HostileKind.BareCr:
                Assert.DoesNotContain('\n', text);
                Assert.True(CountOf(text, "\r") > 5);
                break;
            case HostileKind.BareLf:
                Assert.Matches("[^\r]\n", text);
                break;
            case HostileKind.EightBitHeaders:
                var head = raw.AsSpan(0, text.IndexOf("\r\n\r\n", StringComparison.Ordinal)).ToArray();
                Assert.Contains(head, b => b >= 0x80);
                Assert.Throws<DecoderFallbackException>(() => new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(head));
                break;
            case HostileKind.MissingMessageId:
                Assert.DoesNotContain(headers, h => h.StartsWith("Message-ID:", StringComparison.OrdinalIgnoreCase));
                break;
            case HostileKind.DuplicatedMessageId:
                var ids = headers.Where(h => h.StartsWith("Message-ID:", StringComparison.OrdinalIgnoreCase)).ToList();
                Assert.Equal(2, ids.Count);
                Assert.NotEqual(ids[0], ids[1]);
                break;
            case HostileKind.ZeroLengthBody:
                Assert.EndsWith("\r\n\r\n", text);
                Assert.Equal("", Body(text));
                break;
            case HostileKind.BinaryGarbage:
                Assert.Equal(0x00, raw[0]);
                Assert.Equal(0xFF, raw[1]);
                Assert.DoesNotContain("\r\n\r\n", text[..(text.Length / 2)]);
                break;
            default:
                Assert.Fail($"no check for {kind}: every kind must have one");
                break;
        }
    }

    /// <summary>Header fields before the first blank line, folded lines joined; any line ending counts.</summary>
    private static List<string> HeaderLines(string text)
    {
        var lines = new List<string>();
        foreach (var line in text.Split(["\r\n", "\n", "\r"], StringSplitOptions.None))
        {
            if (line.Length == 0)
            {
                break;
            }

            if (line[0] is ' ' or '\t' && lines.Count > 0)
            {
                lines[^1] += line;
            }
            else
            {
                lines.Add(line);
            }
        }

        return lines;
    }

    private static string Single(List<string> headers, string name) =>
        Assert.Single(headers, h => h.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase));

    private static string Body(string text) => text.IndexOf("\r\n\r\n", StringComparison.Ordinal) is var at and >= 0 ? text[(at + 4)..] : "";

    private static int CountOf(string text, string what) => (text.Length - text.Replace(what, "", StringComparison.Ordinal).Length) / what.Length;
}
