using Techmail.Incidents.Parsing;
using static Techmail.Tests.Incidents.CustomerMail;

namespace Techmail.Tests.Incidents;

/// <summary>Who sent a customer message, to whom, and what its headers say.</summary>
public sealed class SenderAndHeaderTests
{
    [Fact]
    public void From_speaks_for_the_customer_and_reply_to_is_only_kept_apart()
    {
        var message = Read("""
            From: Alice <alice@customer.test>
            Reply-To: Support Desk <desk@customer.test>
            Sender: relay@list.test
            Subject: hi

            body
            """);

        // Reply-To is anyone's to write: the contact (secure update, S/MIME, the flood gate) is who the From names.
        Assert.Equal("alice@customer.test", message.Sender.Address);
        Assert.Equal("Alice", message.Sender.DisplayName);
        Assert.Equal(SenderSource.From, message.SenderSource);
        Assert.Equal("alice@customer.test", message.From?.Address);
        Assert.Equal("desk@customer.test", message.ReplyTo?.Address);
        Assert.Equal("Support Desk", message.ReplyTo?.DisplayName);
    }

    [Fact]
    public void A_reply_to_alone_is_an_unproven_sender()
    {
        // Read rather than lost, but marked: the incident builder never lets such a sender into an existing incident
        // (LenientReadingSecurityTests), so naming a victim in Reply-To opens no way into the victim's incident.
        var message = Read("Reply-To: victim@customer.test\nSubject: [Incident: 261127-000042] hi\n\nbody\n");

        Assert.Equal("victim@customer.test", message.Sender.Address);
        Assert.Equal(SenderSource.ReplyTo, message.SenderSource);
    }

    [Fact]
    public void Without_reply_to_the_sender_is_from_then_the_sender_header()
    {
        var fromOnly = Read("From: alice@customer.test\nReply-To: undisclosed:;\nSender: relay@list.test\n\nbody\n");
        Assert.Equal("alice@customer.test", fromOnly.Sender.Address);
        Assert.Equal(SenderSource.From, fromOnly.SenderSource);

        var senderOnly = Read("Sender: Relay <relay@list.test>\nSubject: s\n\nbody\n");
        Assert.Equal("relay@list.test", senderOnly.Sender.Address);
        Assert.Equal(SenderSource.Sender, senderOnly.SenderSource);
        Assert.Null(senderOnly.From);
    }

    [Fact]
    public void Missing_from_falls_back_to_return_path()
    {
        var message = Read("Return-Path: <Bounce+x@Mail.Customer.TEST>\nSubject: no from\n\nbody\n");

        Assert.Equal("Bounce+x@mail.customer.test", message.Sender.Address);
        Assert.Equal(SenderSource.ReturnPath, message.SenderSource);
        Assert.Equal("", message.Sender.DisplayName);
        Assert.Null(message.From);
    }

    [Fact]
    public void No_sender_address_anywhere_is_a_problem()
    {
        var result = CustomerMessageReader.Read(Raw("Return-Path: <>\nTo: desk@techmail.test\nSubject: anonymous\n\nbody\n"), Key);

        Assert.False(result.IsMessage);
        Assert.StartsWith("no sender address", result.Problem);
    }

    [Fact]
    public void Address_keeps_its_local_part_lower_cases_its_domain_and_has_a_lookup_key()
    {
        var message = Read("From: =?utf-8?q?J=C3=B6rg_M=C3=BCller?=  <  John.Doe@EXAMPLE.Com >\n\nbody\n");

        Assert.Equal("John.Doe@example.com", message.Sender.Address);
        Assert.Equal("john.doe@example.com", message.Sender.LookupKey);
        Assert.Equal("Jörg Müller", message.Sender.DisplayName);
    }

    [Fact]
    public void From_that_mime_kit_cannot_parse_still_yields_its_address()
    {
        var message = Read("From: \"broken quote <<jane@customer.test>\n\nbody\n");

        Assert.Equal("jane@customer.test", message.Sender.Address);
        Assert.Equal("jane@customer.test", message.From?.Address);
    }

    [Fact]
    public void To_and_cc_list_every_mailbox_including_group_members_once()
    {
        var message = Read("""
            From: alice@customer.test
            To: desk@techmail.test, Team: bob@customer.test, Carol <carol@customer.test>;, DESK@techmail.test
            Cc: Dave <dave@customer.test>

            body
            """);

        Assert.Equal(["desk@techmail.test", "bob@customer.test", "carol@customer.test"], message.To.Select(a => a.Address));
        Assert.Equal("dave@customer.test", Assert.Single(message.Cc).Address);
    }

    [Fact]
    public void Subject_is_decoded_and_folded_lines_become_one()
    {
        var message = Read("From: a@customer.test\nSubject: =?utf-8?q?Caf=C3=A9?= order\n\tnumber\r\n  42\n\nbody\n");

        Assert.Equal("Café order number 42", message.Subject);
    }

    [Fact]
    public void Missing_subject_is_empty_and_missing_or_bad_date_is_null()
    {
        var missing = Read("From: a@customer.test\n\nbody\n");
        Assert.Equal("", missing.Subject);
        Assert.Null(missing.Date);

        var bad = Read("From: a@customer.test\nDate: sometime last week\n\nbody\n");
        Assert.Null(bad.Date);

        var good = Read("From: a@customer.test\nDate: Tue, 3 Mar 2026 14:05:09 +0100\n\nbody\n");
        Assert.Equal(new DateTimeOffset(2026, 3, 3, 14, 5, 9, TimeSpan.FromHours(1)), good.Date);
    }

    [Fact]
    public void Every_header_can_be_read_by_name_decoded()
    {
        var message = Read("""
            Received: from a.test
            Received: from b.test
            From: a@customer.test
            X-Priority: 1 (Highest)
            X-Customer-Label: =?utf-8?b?UHLDpG1pdW0=?=

            body
            """);

        Assert.Equal("1 (Highest)", message.Header("x-priority"));
        Assert.Equal("Prämium", message.Header("X-Customer-Label"));
        Assert.Equal(["from a.test", "from b.test"], message.HeaderValues("Received"));
        Assert.Null(message.Header("X-Missing"));
        Assert.Equal(("Received", "from a.test"), message.Headers[0]);
    }

    [Fact]
    public void Raw_eight_bit_headers_are_read_as_utf8_or_else_latin1()
    {
        var utf8 = Read(RawUtf8("From: Jörg <jorg@customer.test>\nSubject: Grüße aus Köln\n\nbody\n"));
        Assert.Equal("Grüße aus Köln", utf8.Subject);
        Assert.Equal("Jörg", utf8.Sender.DisplayName);

        var latin1 = Read(Raw("From: Jörg <jorg@customer.test>\nSubject: Grüße aus Köln\n\nbody\n"));
        Assert.Equal("Grüße aus Köln", latin1.Subject);
        Assert.Equal("Jörg", latin1.Sender.DisplayName);
    }

    [Fact]
    public void Iso_2022_jp_subject_and_body_are_decoded()
    {
        // "テスト" (test) in ISO-2022-JP: ESC $ B switches to JIS X 0208, ESC ( B back to ASCII.
        var jis = "\u001b$B%F%9%H\u001b(B";
        var message = Read($"""
            From: taro@customer.test
            Subject: =?ISO-2022-JP?B?GyRCJUYlOSVIGyhC?= 1
            Content-Type: text/plain; charset=ISO-2022-JP
            Content-Transfer-Encoding: 7bit

            {jis}です
            """.Replace("です", "\u001b$B$G$9\u001b(B"));

        Assert.Equal("テスト 1", message.Subject);
        Assert.Equal("テストです", message.TextBody);
    }

    [Fact]
    public void Header_lines_longer_than_998_characters_are_read_whole()
    {
        var longSubject = new string('s', 1200);
        var longValue = string.Concat(Enumerable.Repeat("token-", 200));
        var message = Read($"From: a@customer.test\nSubject: {longSubject}\nX-Long: {longValue}\n\nbody\n");

        Assert.Equal(longSubject, message.Subject);
        Assert.Equal(longValue.Length, message.Header("X-Long")?.Length);
        Assert.Equal("body", message.TextBody);
    }
}
