using System.Text;
using Techmail.Incidents.Parsing;
using static Techmail.Tests.Incidents.CustomerMail;

namespace Techmail.Tests.Incidents;

/// <summary>Whatever arrives, reading gives a message or a problem and never throws.</summary>
public sealed class RobustnessTests
{
    [Fact]
    public void Nesting_deeper_than_the_cap_is_left_out_with_a_note()
    {
        var shallow = Read(Nested(10, "found at ten"));
        Assert.Equal("found at ten", shallow.TextBody);
        Assert.DoesNotContain(shallow.Notes, n => n.Contains("nested deeper"));

        var deep = Read(Nested(200, "too deep"));
        Assert.Equal("", deep.TextBody);
        Assert.Contains(deep.Notes, n => n.Contains("nested deeper"));
    }

    [Fact]
    public void Empty_input_is_a_problem()
    {
        var result = CustomerMessageReader.Read([], Key);

        Assert.False(result.IsMessage);
        Assert.Equal("the message is empty", result.Problem);
    }

    [Fact]
    public void Random_bytes_and_cut_off_messages_never_throw()
    {
        var random = new Random(20260303);
        var inputs = new List<byte[]>();
        for (var i = 0; i < 200; i++)
        {
            var bytes = new byte[random.Next(0, 4096)];
            random.NextBytes(bytes);
            inputs.Add(bytes);
        }
        foreach (var sample in Samples())
            for (var length = 0; length < sample.Length; length += Math.Max(1, sample.Length / 40))
                inputs.Add(sample[..length]);

        var messages = 0;
        foreach (var input in inputs)
        {
            var result = CustomerMessageReader.Read(input, Key);
            if (result.IsMessage)
            {
                messages++;
                Assert.NotNull(result.Message.TextBody);
                Assert.NotNull(result.Message.Subject);
                Assert.StartsWith("<", result.Message.MessageId);
            }
            else
            {
                Assert.False(string.IsNullOrWhiteSpace(result.Problem));
            }
        }
        // Cut-off samples still have their From line once past it, so a good share must come out as messages.
        Assert.True(messages > 50, $"only {messages} of {inputs.Count} inputs were read as messages");
    }

    private static IEnumerable<byte[]> Samples()
    {
        yield return Nested(40, "deep");
        yield return Raw($"""
            From: "Jörg" <a@customer.test>
            Subject: =?ISO-2022-JP?B?GyRCJUYlOSVIGyhC?=
            Message-ID: <one@customer.test>
            Message-ID: <two@customer.test>
            Content-Type: multipart/mixed; boundary="mix"

            --mix
            Content-Type: multipart/alternative; boundary="alt"

            --alt
            Content-Type: text/plain; charset=x-unknown

            Caf{'\u00e9'}
            --alt
            Content-Type: text/html

            <p>Caf&eacute; <a href="https://x.test">link</a></p>
            --alt--
            --mix
            Content-Type: application/pdf
            Content-Disposition: attachment;
             filename*0*=utf-8''R%C3%A4chnung;
             filename*1=".pdf"
            Content-Transfer-Encoding: base64

            {Base64(Encoding.ASCII.GetBytes("%PDF-1.7 some content that spans more than one base64 line of output for the cut test"))}
            --mix
            Content-Type: message/rfc822

            From: inner@vendor.test
            Subject: inner

            inner body
            --mix
            Content-Type: application/ms-tnef; name=winmail.dat
            Content-Transfer-Encoding: base64

            {Base64(Tnef("tnef body", "a.txt", Encoding.ASCII.GetBytes("a")))}
            --mix--
            """);
    }

    private static byte[] Nested(int depth, string text)
    {
        var raw = new StringBuilder("From: a@customer.test\nContent-Type: multipart/mixed; boundary=\"b0\"\n\n");
        for (var i = 0; i < depth; i++)
            raw.Append($"--b{i}\nContent-Type: multipart/mixed; boundary=\"b{i + 1}\"\n\n");
        raw.Append($"--b{depth}\nContent-Type: text/plain\n\n{text}\n--b{depth}--\n");
        for (var i = depth - 1; i >= 0; i--)
            raw.Append($"--b{i}--\n");
        return CustomerMail.Raw(raw.ToString());
    }
}
