using System.Text;
using MimeKit;
using Techmail.Incidents;
using Techmail.Mailboxes;
using Techmail.Outgoing;

namespace Techmail.Tests.Incidents;

/// <summary>The acknowledgement and reply messages, before any SMTP server sees them.</summary>
public sealed class IncidentMailTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 27, 9, 0, 0, TimeSpan.Zero);
    private static readonly OutgoingSettings Outgoing = new("bounces@example.com", "help@example.com", "replies@example.com", "Example Help", null);

    [Fact]
    public void An_acknowledgement_fills_the_template_answers_the_customer_mail_and_says_it_is_automatic()
    {
        using var ack = MimeMessage.Load(new MemoryStream(IncidentMail.Acknowledgement(Outgoing, new IncidentPolicy(), "261127-000042", "Printer\r\nBcc: evil@example.org",
            new MailboxAddress("Ann", "ann@example.net"), "<q1@example.net>", ["<q0@example.net>"], "<tm.x@example.com>", T0)));

        Assert.Equal("\"Example Help\" <help@example.com>", ack.From.ToString());
        Assert.Equal("replies@example.com", ack.ReplyTo.Mailboxes.Single().Address);
        Assert.Equal("\"Ann\" <ann@example.net>", ack.To.ToString());
        // A line break in the customer's subject must not become a header of ours, and an address in it is not echoed.
        Assert.Equal("[Incident: 261127-000042] Printer Bcc: [link removed]", ack.Subject);
        Assert.Empty(ack.Bcc);
        Assert.Equal("q1@example.net", ack.InReplyTo);
        Assert.Equal(["q0@example.net", "q1@example.net"], ack.References);
        Assert.Equal("tm.x@example.com", ack.MessageId);
        Assert.Equal("auto-replied", ack.Headers["Auto-Submitted"]);
        Assert.Equal("acknowledgement", ack.Headers[MailSender.GeneratedHeader]);
        Assert.Contains("Hello Ann,", ack.TextBody);
        Assert.Contains("opened incident 261127-000042", ack.TextBody);
    }

    [Theory]
    [InlineData("Ann", "ann@example.net", "Printer", "replies@example.com", 1)]
    [InlineData("Åsa Öberg-Ünal, \"Billing\"", "asa@example.se", "Faktura för november – återbetalning begärs omedelbart eftersom beloppet är fel och dubbelt debiterat", null, 25)]
    [InlineData("", "bob@example.org", "", "replies@example.com", 0)]
    [InlineData("山田 太郎", "taro@example.jp", "請求書について", null, 3)]
    public void An_acknowledgement_is_the_message_MimeKit_would_write_for_the_same_fields(string name, string address, string subject, string? replyTo, int references)
    {
        var outgoing = Outgoing with { ReplyTo = replyTo };
        var customer = new MailboxAddress(name, address);
        var thread = Enumerable.Range(0, references).Select(i => $"<q{i}.{new string('x', 30)}@example.net>").ToList();
        var inReplyTo = references > 0 ? thread[^1] : null;
        var policy = new IncidentPolicy { AcknowledgementBody = "Hello {name}, about \"{subject}\" ({reference}). No line end at the end" };

        using var written = MimeMessage.Load(new MemoryStream(IncidentMail.Acknowledgement(outgoing, policy, "261127-000042", subject, customer, inReplyTo, thread, "<tm.z@example.com>", T0)));
        using var expected = Reference(outgoing, policy, customer, subject, inReplyTo, thread);

        Assert.Equal(Fields(expected), Fields(written));
        Assert.Equal(expected.TextBody, written.TextBody);
    }

    [Theory]
    [InlineData("Ann Customer", "ann@example.net", "[Incident: 261127-000042] Help with order 1", "replies@example.com", 1, true)]
    [InlineData("", "bob@example.org", "[Incident: 261127-000042] (no subject)", null, 0, true)]
    [InlineData("Ann O'Neil", "ann.o-neil+tag@mail.example.net", "Re: [Incident: 261127-000042] Still broken", null, 0, true)]
    [InlineData("Ann", "ann@example.net", "Three references make a References line too long to leave unfolded", null, 3, false)]
    [InlineData("Ann (Sales)", "ann@example.net", "Help", null, 0, false)]
    [InlineData("Example Inc.", "ann@example.net", "Help", null, 0, false)]
    [InlineData("Åsa", "asa@example.se", "Help", null, 0, false)]
    [InlineData("Ann", "ann@example.net", "=?utf-8?q?Hi?=", null, 0, false)]
    [InlineData("Ann", "ann@example.net", "Two  spaces", null, 0, false)]
    [InlineData("Ann", "ann@example.net", "A subject long enough that MimeKit has to fold its header line, which this cannot do", null, 0, false)]
    [InlineData("Ann", "\"odd local\"@example.net", "Help", null, 0, false)]
    [InlineData("Ann", "ann@bücher.example", "Help", null, 0, false)]
    public void A_plain_acknowledgement_is_written_out_byte_for_byte_as_MimeKit_composes_it_and_anything_else_is_left_to_MimeKit(
        string name, string address, string subject, string? replyTo, int references, bool plain)
    {
        var thread = Enumerable.Range(0, references).Select(i => $"<q{i}.{new string('x', 20)}@example.net>").ToList();
        var fields = new MailFields(
            new MailboxAddress("Example Help", "help@example.com"),
            replyTo is null ? null : MailboxAddress.Parse(replyTo),
            new MailboxAddress(name, address),
            subject,
            "<tm.261127-000042.abcdef0123456789@example.com>",
            references > 0 ? thread[^1] : null,
            thread,
            T0);
        const string body = "Hello Ann,\n\n\tthank you for writing.\n.\nSupport\n";

        var written = PlainAcknowledgement.TryWrite(fields, body);

        Assert.Equal(plain, written is not null);
        if (written is not null)
        {
            Assert.Equal(Encoding.ASCII.GetString(IncidentMail.ComposedAcknowledgement(fields, body)), Encoding.ASCII.GetString(written));
        }
    }

    [Theory]
    [InlineData("Grüße\n")]
    [InlineData("a bare\rreturn\n")]
    [InlineData("no line end at the end")]
    public void A_body_MimeKit_would_encode_or_mend_is_left_to_it(string body)
    {
        var fields = new MailFields(new MailboxAddress("Example Help", "help@example.com"), null, new MailboxAddress("Ann", "ann@example.net"), "Help", "<tm.x@example.com>", null, [], T0);

        Assert.Null(PlainAcknowledgement.TryWrite(fields, body));
    }

    /// <summary>The same acknowledgement composed through MimeMessage's properties, as Techmail did before.</summary>
    private static MimeMessage Reference(OutgoingSettings outgoing, IncidentPolicy policy, MailboxAddress customer, string subject, string? inReplyTo, IReadOnlyList<string> thread)
    {
        var echoed = EchoedText.Clean(subject, EchoedText.SubjectLength);
        var shown = echoed.Length == 0 ? "(no subject)" : echoed;
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress(outgoing.DisplayName, outgoing.FriendlyFrom!));
        if (outgoing.ReplyTo is { } replyTo)
        {
            message.ReplyTo.Add(MailboxAddress.Parse(replyTo));
        }

        message.To.Add(customer);
        message.Subject = $"[Incident: 261127-000042] {shown}".Trim();
        message.Date = T0;
        message.MessageId = "tm.z@example.com";
        if (inReplyTo is not null)
        {
            message.InReplyTo = inReplyTo.Trim('<', '>');
        }

        foreach (var id in thread.TakeLast(20))
        {
            message.References.Add(id.Trim('<', '>'));
        }

        message.Headers.Add(MailSender.GeneratedHeader, "acknowledgement");
        message.Headers.Add("Auto-Submitted", "auto-replied");
        var name = EchoedText.Clean(customer.Name, EchoedText.NameLength) is { Length: > 0 } n ? n : customer.Address;
        message.Body = new TextPart("plain") { Text = $"Hello {name}, about \"{shown}\" (261127-000042). No line end at the end" };
        // Through the wire and back, as the sender reads what was queued.
        return MimeMessage.Load(new MemoryStream(Techmail.Polling.WireFormat.Bytes(message)));
    }

    private static List<string?> Fields(MimeMessage m) =>
    [
        m.From.ToString(), m.ReplyTo.ToString(), m.To.ToString(), m.Subject, m.Date.ToString("O"), m.MessageId, m.InReplyTo,
        string.Join(' ', m.References), m.Headers["Auto-Submitted"], m.Headers[MailSender.GeneratedHeader], m.Headers[HeaderId.MimeVersion],
        m.Body?.ContentType.ToString(), m.Headers.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
    ];

    [Fact]
    public void A_reply_keeps_a_subject_that_already_names_the_incident_and_carries_its_files()
    {
        var reply = IncidentMail.Reply(Outgoing, "261127-000042", "Re: [Incident: 261127-000042] Printer", new MailboxAddress(null, "ann@example.net"),
            "Unplug it.", [new ReplyAttachment("steps.txt", "text/plain", "1. unplug"u8.ToArray())], "<tm.y@example.com>", "<q2@example.net>", ["<q1@example.net>"], T0);

        Assert.Equal("Re: [Incident: 261127-000042] Printer", reply.Subject);
        Assert.Null(reply.Headers["Auto-Submitted"]);
        Assert.Equal("reply", reply.Headers[MailSender.GeneratedHeader]);
        Assert.Equal("steps.txt", reply.Attachments.Single().ContentDisposition!.FileName);
        Assert.Equal("Unplug it.", reply.TextBody);
        Assert.Equal("[Incident: 261127-000042] Printer", IncidentMail.WithReference("261127-000042", "Printer"));
    }
}
