using System.Text;
using Techmail.Authentication;
using Techmail.Mailboxes;
using Techmail.Outgoing;
using Techmail.Tests.Support;

namespace Techmail.Tests.Outbox;

/// <summary>Queued mail goes to a real SMTP server as the bytes the outbox holds, sent as they are or parsed first.</summary>
public sealed class WireSendingTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    private static byte[] Crlf(string text) => Encoding.UTF8.GetBytes(text.ReplaceLineEndings("\r\n"));

    private static readonly string Headers = """
        X-Techmail-Generated: acknowledgement
        From: Example Support <support@example.com>
        To: customer@example.net
        Subject: [Incident: 261127-000001] Printer on fire
        Message-ID: <wire-{0}@example.com>
        MIME-Version: 1.0
        Content-Type: text/plain; charset=utf-8
        Content-Transfer-Encoding: {1}


        """;

    private static async Task<byte[]> SendAndReceive(SmtpSink sink, byte[] raw, string id)
    {
        var sender = new MailSender(new MailLogin(new OAuthTokenCache(TimeProvider.System)));
        var outgoing = new OutgoingSettings("bounces@example.com", "support@example.com", null, "Example Support", new SmtpRelaySettings("127.0.0.1", sink.Port, TlsMode.None, null, null));
        await using var session = await sender.Open(outgoing, null, CancellationToken.None);
        await session.SendRaw("bounces@example.com", ["customer@example.net"], raw, CancellationToken.None);
        await session.Close(CancellationToken.None);
        var received = await sink.WaitFor(m => m.Message.MessageId == $"wire-{id}@example.com", Wait);
        Assert.Equal("bounces@example.com", received.EnvelopeFrom);
        return received.Raw;
    }

    [Fact]
    public void Only_seven_bit_mail_with_every_line_ended_by_crlf_and_no_bcc_is_sent_as_it_is()
    {
        var body = "Thank you.\n.leading dot\n";
        Assert.True(WireMessage.Sendable(Crlf(string.Format(Headers, 1, "7bit") + body)));

        Assert.False(WireMessage.Sendable(Crlf(string.Format(Headers, 2, "8bit") + "Grüße\n")));
        Assert.False(WireMessage.Sendable(Encoding.ASCII.GetBytes(string.Format(Headers, 3, "7bit").ReplaceLineEndings("\r\n") + "bare\nline feed\r\n")));
        Assert.False(WireMessage.Sendable(Encoding.ASCII.GetBytes(string.Format(Headers, 4, "7bit").ReplaceLineEndings("\r\n") + "bare\rreturn\r\n")));
        Assert.False(WireMessage.Sendable(Encoding.ASCII.GetBytes(string.Format(Headers, 5, "7bit").ReplaceLineEndings("\r\n") + "no line end at the end")));
        Assert.False(WireMessage.Sendable(Crlf(string.Format(Headers, 6, "7bit").Replace("From:", "BCC: someone@example.org\nFrom:") + body)));

        // Sent as it is only when it starts with Techmail's stamp, as everything the outbox queues does.
        using var wire = new WireMessage();
        Assert.NotNull(wire.For(Crlf(string.Format(Headers, 7, "7bit") + body)));
        Assert.Null(wire.For(Crlf(string.Format(Headers, 8, "7bit").Replace("X-Techmail-Generated: acknowledgement\n", "") + body)));
    }

    [Fact]
    public async Task Mail_sent_as_it_is_reaches_the_relay_byte_for_byte_with_its_dot_lines_intact()
    {
        await using var sink = await SmtpSink.Start();
        var raw = Crlf(string.Format(Headers, "plain", "7bit") + "Thank you.\n.leading dot\n.\n..two dots\nBcc is not a header here.\n");

        Assert.Equal(raw, await SendAndReceive(sink, raw, "plain"));
    }

    [Fact]
    public async Task Mail_that_must_be_parsed_first_still_goes_out_right()
    {
        await using var sink = await SmtpSink.Start();

        var eightBit = Crlf(string.Format(Headers, "8bit", "8bit") + "Grüße aus Köln.\n");
        Assert.Equal(eightBit, await SendAndReceive(sink, eightBit, "8bit"));

        // MailKit leaves Bcc out of what it sends.
        var withBcc = Crlf(string.Format(Headers, "bcc", "7bit").Replace("From:", "Bcc: hidden@example.org\nFrom:") + "Thank you.\n");
        var received = Encoding.ASCII.GetString(await SendAndReceive(sink, withBcc, "bcc"));
        Assert.DoesNotContain("hidden@example.org", received);
        Assert.Contains("Subject: [Incident: 261127-000001] Printer on fire\r\n", received);
    }
}
