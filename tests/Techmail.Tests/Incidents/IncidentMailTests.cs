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
        var ack = IncidentMail.Acknowledgement(Outgoing, new IncidentPolicy(), "261127-000042", "Printer\r\nBcc: evil@example.org",
            new MailboxAddress("Ann", "ann@example.net"), "<q1@example.net>", ["<q0@example.net>"], "<tm.x@example.com>", T0);

        Assert.Equal("\"Example Help\" <help@example.com>", ack.From.ToString());
        Assert.Equal("replies@example.com", ack.ReplyTo.Mailboxes.Single().Address);
        Assert.Equal("\"Ann\" <ann@example.net>", ack.To.ToString());
        // A line break in the customer's subject must not become a header of ours.
        Assert.Equal("[Incident: 261127-000042] Printer Bcc: evil@example.org", ack.Subject);
        Assert.Empty(ack.Bcc);
        Assert.Equal("q1@example.net", ack.InReplyTo);
        Assert.Equal(["q0@example.net", "q1@example.net"], ack.References);
        Assert.Equal("tm.x@example.com", ack.MessageId);
        Assert.Equal("auto-replied", ack.Headers["Auto-Submitted"]);
        Assert.Equal("acknowledgement", ack.Headers[MailSender.GeneratedHeader]);
        Assert.Contains("Hello Ann,", ack.TextBody);
        Assert.Contains("opened incident 261127-000042", ack.TextBody);
    }

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
