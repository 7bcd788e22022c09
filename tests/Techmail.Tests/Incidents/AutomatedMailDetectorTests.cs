using System.Text;
using MimeKit;
using Techmail.Incidents;

namespace Techmail.Tests.Incidents;

public sealed class AutomatedMailDetectorTests
{
    private const string PersonalBody = """
        MIME-Version: 1.0
        Content-Type: text/plain; charset=utf-8

        Hello, my printer is on fire again.

        """;

    private static MimeMessage Parse(string raw)
    {
        // Raw literals in this file use LF; real mail uses CRLF, and MimeKit reads both the same.
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(raw));
        return MimeMessage.Load(stream);
    }

    /// <summary>An ordinary person's mail with <paramref name="extraHeaders"/> added to its header block.</summary>
    private static MimeMessage PersonalMail(string extraHeaders = "", string from = "Ann Customer <ann@customer.example>")
    {
        var header = $"""
            From: {from}
            To: support@tenant.example
            Subject: Printer on fire
            Message-ID: <p1@customer.example>
            Date: Thu, 26 Nov 2026 09:15:00 +0100

            """;
        var extra = extraHeaders.Length == 0 ? "" : extraHeaders.TrimEnd('\n') + "\n";
        return Parse(header + extra + PersonalBody);
    }

    private static AutomatedMail AssertAutomated(MimeMessage message, AutomatedMailSignal signal)
    {
        var result = AutomatedMailDetector.Detect(message);
        Assert.NotNull(result);
        Assert.Equal(signal, result.Signal);
        return result;
    }

    [Fact]
    public void Ordinary_mail_from_a_person_is_not_automated()
    {
        Assert.Null(AutomatedMailDetector.Detect(PersonalMail()));
    }

    [Theory]
    [InlineData("Auto-Submitted: auto-replied", "Auto-Submitted: auto-replied")]
    [InlineData("Auto-Submitted: auto-generated", "Auto-Submitted: auto-generated")]
    [InlineData("Auto-Submitted: Auto-Notified; owner-email=\"ops@x.example\"", "Auto-Submitted: Auto-Notified; owner-email=\"ops@x.example\"")]
    [InlineData("Auto-Submitted: AUTO-REPLIED (vacation)", "Auto-Submitted: AUTO-REPLIED (vacation)")]
    [InlineData("Auto-Submitted:", "Auto-Submitted: ")]
    public void Auto_submitted_other_than_no_is_automated(string header, string reason)
    {
        var result = AssertAutomated(PersonalMail(header), AutomatedMailSignal.AutoSubmitted);
        Assert.Equal(reason, result.Reason);
    }

    [Theory]
    [InlineData("Auto-Submitted: no")]
    [InlineData("Auto-Submitted: NO")]
    [InlineData("Auto-Submitted:  no ; reason=manual")]
    [InlineData("Auto-Submitted: no (typed by hand)")]
    public void Auto_submitted_no_is_a_person(string header)
    {
        Assert.Null(AutomatedMailDetector.Detect(PersonalMail(header)));
    }

    [Fact]
    public void A_second_auto_submitted_header_is_not_hidden_by_a_first_no()
    {
        var result = AssertAutomated(PersonalMail("Auto-Submitted: no\nAuto-Submitted: auto-replied"), AutomatedMailSignal.AutoSubmitted);
        Assert.Equal("Auto-Submitted: auto-replied", result.Reason);
    }

    [Theory]
    [InlineData("Precedence: bulk")]
    [InlineData("Precedence: JUNK")]
    [InlineData("Precedence: list")]
    [InlineData("Precedence: auto_reply")]
    public void Bulk_junk_and_list_precedence_are_automated(string header)
    {
        var result = AssertAutomated(PersonalMail(header), AutomatedMailSignal.Precedence);
        Assert.Equal(header, result.Reason);
    }

    [Theory]
    [InlineData("Precedence: first-class")]
    [InlineData("Precedence: normal")]
    [InlineData("Precedence: bulkish")]
    public void Other_precedence_values_are_a_person(string header)
    {
        Assert.Null(AutomatedMailDetector.Detect(PersonalMail(header)));
    }

    [Theory]
    [InlineData("All")]
    [InlineData("AutoReply")]
    [InlineData("OOF")]
    [InlineData("DR")]
    [InlineData("NDR")]
    [InlineData("RN")]
    [InlineData("NRN")]
    [InlineData("oof, AutoReply")]
    [InlineData("RN,NRN")]
    public void Auto_response_suppress_naming_a_response_kind_is_automated(string value)
    {
        var result = AssertAutomated(PersonalMail($"X-Auto-Response-Suppress: {value}"), AutomatedMailSignal.AutoResponseSuppress);
        Assert.Equal($"X-Auto-Response-Suppress: {value}", result.Reason);
    }

    [Fact]
    public void Any_other_signal_is_reported_before_auto_response_suppress()
    {
        var result = AssertAutomated(PersonalMail("X-Auto-Response-Suppress: All\nAuto-Submitted: auto-generated"), AutomatedMailSignal.AutoSubmitted);
        Assert.Equal("Auto-Submitted: auto-generated", result.Reason);
    }

    [Fact]
    public void Auto_response_suppress_naming_no_known_kind_is_a_person()
    {
        Assert.Null(AutomatedMailDetector.Detect(PersonalMail("X-Auto-Response-Suppress: None")));
    }

    [Fact]
    public void X_loop_is_automated()
    {
        var result = AssertAutomated(PersonalMail("X-Loop: helpdesk@other.example"), AutomatedMailSignal.LoopHeader);
        Assert.Equal("X-Loop: helpdesk@other.example", result.Reason);
    }

    [Theory]
    [InlineData("List-Id: Printer users <printers.lists.example>", "List-Id")]
    [InlineData("List-Unsubscribe: <mailto:leave@lists.example>", "List-Unsubscribe")]
    [InlineData("List-Post: <mailto:printers@lists.example>", "List-Post")]
    [InlineData("List-Help: <https://lists.example/help>", "List-Help")]
    [InlineData("List-Subscribe: <mailto:join@lists.example>", "List-Subscribe")]
    [InlineData("Mailing-List: contact printers-help@lists.example", "Mailing-List")]
    public void List_headers_are_automated(string header, string field)
    {
        var result = AssertAutomated(PersonalMail(header), AutomatedMailSignal.MailingList);
        Assert.StartsWith(field + ":", result.Reason);
    }

    [Theory]
    [InlineData("MAILER-DAEMON@mx.customer.example")]
    [InlineData("Mail Delivery System <mailer-daemon@mx.customer.example>")]
    [InlineData("postmaster@customer.example")]
    [InlineData("PostMaster@customer.example")]
    public void Mail_system_senders_are_automated(string from)
    {
        var result = AssertAutomated(PersonalMail(from: from), AutomatedMailSignal.SystemSender);
        Assert.StartsWith("sender ", result.Reason);
        Assert.Contains("@", result.Reason);
    }

    [Fact]
    public void A_mail_system_sender_header_is_automated_even_with_a_person_in_from()
    {
        var result = AssertAutomated(PersonalMail("Sender: postmaster@customer.example"), AutomatedMailSignal.SystemSender);
        Assert.Equal("sender postmaster@customer.example", result.Reason);
    }

    [Theory]
    [InlineData("Return-Path: <>", "Return-Path: <> (null sender)")]
    [InlineData("Return-Path: <MAILER-DAEMON@mx.customer.example>", "Return-Path: <MAILER-DAEMON@mx.customer.example>")]
    public void The_null_or_a_system_envelope_sender_is_automated(string header, string reason)
    {
        var result = AssertAutomated(PersonalMail(header), AutomatedMailSignal.SystemSender);
        Assert.Equal(reason, result.Reason);
    }

    [Theory]
    [InlineData("noreply@shop.example")]
    [InlineData("no-reply@shop.example")]
    [InlineData("do-not-reply@shop.example")]
    public void A_no_reply_sender_alone_is_a_person_because_contact_forms_send_from_one(string from)
    {
        var message = PersonalMail("Reply-To: ann@customer.example", from: from);
        Assert.Null(AutomatedMailDetector.Detect(message));
    }

    [Fact]
    public void A_no_reply_sender_with_a_bulk_header_is_automated_by_that_header()
    {
        var result = AssertAutomated(PersonalMail("Precedence: bulk", from: "noreply@shop.example"), AutomatedMailSignal.Precedence);
        Assert.Equal("Precedence: bulk", result.Reason);
    }

    [Fact]
    public void A_delivery_status_notification_is_automated()
    {
        const string raw = """
            From: Mail Delivery Subsystem <bounces@mx.customer.example>
            To: support@tenant.example
            Subject: Undelivered Mail Returned to Sender
            MIME-Version: 1.0
            Content-Type: multipart/report; report-type=delivery-status; boundary="b1"

            --b1
            Content-Type: text/plain

            Your message could not be delivered.
            --b1
            Content-Type: message/delivery-status

            Reporting-MTA: dns; mx.customer.example

            Final-Recipient: rfc822; gone@customer.example
            Action: failed
            Status: 5.1.1
            --b1--

            """;
        var result = AssertAutomated(Parse(raw), AutomatedMailSignal.DeliveryReport);
        Assert.Equal("Content-Type multipart/report", result.Reason);
    }

    [Fact]
    public void A_delivery_status_part_outside_a_report_container_is_automated()
    {
        // Some gateways rewrap reports in multipart/mixed to add a disclaimer, losing the report container.
        const string raw = """
            From: gateway@customer.example
            To: support@tenant.example
            Subject: Delivery failure
            MIME-Version: 1.0
            Content-Type: multipart/mixed; boundary="m1"

            --m1
            Content-Type: text/plain

            Delivery failed.
            --m1
            Content-Type: message/delivery-status

            Reporting-MTA: dns; gw.customer.example

            Final-Recipient: rfc822; gone@customer.example
            Action: failed
            Status: 5.1.1
            --m1--

            """;
        var result = AssertAutomated(Parse(raw), AutomatedMailSignal.DeliveryReport);
        Assert.Equal("Content-Type message/delivery-status", result.Reason);
    }

    [Fact]
    public void A_read_receipt_is_automated()
    {
        const string raw = """
            From: ann@customer.example
            To: support@tenant.example
            Subject: Read: Your incident
            MIME-Version: 1.0
            Content-Type: multipart/report; report-type=disposition-notification; boundary="r1"

            --r1
            Content-Type: text/plain

            Your message was displayed.
            --r1
            Content-Type: message/disposition-notification

            Final-Recipient: rfc822; ann@customer.example
            Disposition: automatic-action/MDN-sent-automatically; displayed
            --r1--

            """;
        var result = AssertAutomated(Parse(raw), AutomatedMailSignal.DeliveryReport);
        Assert.Equal("Content-Type multipart/report", result.Reason);
    }

    [Fact]
    public void A_person_forwarding_a_bounce_as_an_attachment_is_a_person()
    {
        const string raw = """
            From: Ann Customer <ann@customer.example>
            To: support@tenant.example
            Subject: Fwd: what does this bounce mean?
            MIME-Version: 1.0
            Content-Type: multipart/mixed; boundary="f1"

            --f1
            Content-Type: text/plain

            I got the attached bounce, can you help?
            --f1
            Content-Type: message/rfc822

            From: MAILER-DAEMON@mx.customer.example
            To: ann@customer.example
            Subject: Undelivered Mail
            Auto-Submitted: auto-replied
            MIME-Version: 1.0
            Content-Type: multipart/report; report-type=delivery-status; boundary="b1"

            --b1
            Content-Type: text/plain

            Failed.
            --b1
            Content-Type: message/delivery-status

            Reporting-MTA: dns; mx.customer.example

            Final-Recipient: rfc822; gone@customer.example
            Action: failed
            Status: 5.1.1
            --b1--

            --f1--

            """;
        Assert.Null(AutomatedMailDetector.Detect(Parse(raw)));
    }

    [Fact]
    public void An_exim_failed_recipients_header_is_a_delivery_report()
    {
        var result = AssertAutomated(PersonalMail("X-Failed-Recipients: gone@customer.example"), AutomatedMailSignal.DeliveryReport);
        Assert.Equal("X-Failed-Recipients: gone@customer.example", result.Reason);
    }

    [Theory]
    [InlineData("X-Autoreply: yes")]
    [InlineData("X-Autorespond: Out of office")]
    [InlineData("X-AutoGenerated: true")]
    [InlineData("X-Vacation: on")]
    public void Auto_responder_vendor_headers_are_automated(string header)
    {
        var result = AssertAutomated(PersonalMail(header), AutomatedMailSignal.AutoReplyHeader);
        Assert.Equal(header, result.Reason);
    }

    [Theory]
    [InlineData("X-Autoreply: no")]
    [InlineData("X-Autogenerated: False")]
    public void Auto_responder_vendor_headers_that_say_no_are_a_person(string header)
    {
        Assert.Null(AutomatedMailDetector.Detect(PersonalMail(header)));
    }

    [Theory]
    [InlineData("X-MS-Exchange-Generated-Message-Source: Mailbox Rules Agent", "X-MS-Exchange-Generated-Message-Source")]
    [InlineData("X-MS-Exchange-Inbox-Rules-Loop: ann@customer.example", "X-MS-Exchange-Inbox-Rules-Loop")]
    public void Exchange_generated_markers_are_automated(string header, string field)
    {
        var result = AssertAutomated(PersonalMail(header), AutomatedMailSignal.ExchangeGenerated);
        Assert.StartsWith(field + ":", result.Reason);
    }

    [Fact]
    public void Techmails_own_outgoing_mail_is_automated()
    {
        var result = AssertAutomated(PersonalMail("X-Techmail-Generated: mailbox"), AutomatedMailSignal.TechmailGenerated);
        Assert.Equal("X-Techmail-Generated: mailbox", result.Reason);
    }

    [Fact]
    public void Mail_built_by_the_outgoing_message_builder_is_recognised_as_techmails_own()
    {
        var outgoing = new MimeMessage();
        outgoing.From.Add(MailboxAddress.Parse("support@tenant.example"));
        outgoing.To.Add(MailboxAddress.Parse("ann@customer.example"));
        outgoing.Subject = "[Incident: 261126-000042] Printer on fire";
        outgoing.Headers.Add(Techmail.Outgoing.MailSender.GeneratedHeader, "acknowledgement");
        outgoing.Body = new TextPart("plain") { Text = "We received your request." };

        // Round-tripped through bytes, the way it would come back from a mailbox.
        using var stream = new MemoryStream();
        outgoing.WriteTo(stream);
        stream.Position = 0;
        var result = AssertAutomated(MimeMessage.Load(stream), AutomatedMailSignal.TechmailGenerated);
        Assert.Equal("X-Techmail-Generated: acknowledgement", result.Reason);
    }

    [Fact]
    public void A_message_without_body_or_headers_is_a_person_and_does_not_throw()
    {
        Assert.Null(AutomatedMailDetector.Detect(new MimeMessage()));
    }
}
