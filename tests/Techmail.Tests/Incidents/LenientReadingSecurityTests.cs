using System.Text;
using Techmail.Incidents;
using Techmail.Incidents.Parsing;
using Techmail.Incidents.Threading;
using Techmail.Mailboxes;
using Techmail.Polling;
using static Techmail.Tests.Incidents.CustomerMail;

namespace Techmail.Tests.Incidents;

/// <summary>
/// Hostile mail against the lenient reading of broken mail: none of it may let a crafted message speak for someone it
/// should not, or carry a file past screening.
/// </summary>
public sealed class LenientReadingSecurityTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 7, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_header_block_in_the_body_never_replaces_headers_that_are_fine()
    {
        var message = Read("""
            From: Eve <eve@attacker.test>
            Subject: see below

            ---- Original email message ----
            Return-Path: <ceo@bank.test>
            From: CEO <ceo@bank.test>
            Subject: urgent transfer

            pay now
            """);

        Assert.Equal("eve@attacker.test", message.Sender.Address);
        Assert.Equal("eve@attacker.test", message.From?.Address);
        Assert.Equal("see below", message.Subject);
    }

    [Fact]
    public void Only_a_short_banner_followed_by_real_header_lines_is_passed_over()
    {
        Assert.Equal(0, HeaderStart.Find(Raw("From: a@b.test\nSubject: s\n\nbody\n")));
        // The banner and its CRLF are 34 bytes.
        Assert.Equal(34, HeaderStart.Find(Raw("---- Original email message ----\nFrom: a@b.test\nSubject: s\n\nbody\n")));
        // One "Name: value" line after prose is prose, not a header block.
        Assert.Equal(0, HeaderStart.Find(Raw("Dear team,\nNote: from: ceo@bank.test\n\nplease pay\n")));
        // A byte order mark is passed over, and only it.
        Assert.Equal(3, HeaderStart.Find([0xEF, 0xBB, 0xBF, .. Raw("From: a@b.test\nSubject: s\n\nbody\n")]));
        // Five lines of anything before headers is not a banner.
        Assert.Equal(0, HeaderStart.Find(Raw("a\nb\nc\nd\ne\nFrom: ceo@bank.test\nSubject: s\n\nbody\n")));
    }

    [Fact]
    public void A_repaired_display_name_cannot_bring_an_address_of_its_own()
    {
        // GB2312 bytes labelled Latin-1: the name is repaired, and it holds what looks like another address.
        var name = Encoding.GetEncoding("gb2312").GetBytes("客服中心的王经理和李经理都在这里等候您的回复，请您耐心等待我们的处理结果 <ceo@bank.test>");
        var message = Read($"From: =?iso-8859-1?B?{Convert.ToBase64String(name)}?= <eve@attacker.test>\nSubject: s\n\nbody\n");

        Assert.Equal("eve@attacker.test", message.Sender.Address);
        Assert.Equal("eve@attacker.test", message.From?.Address);
        Assert.StartsWith("客服中心", message.From?.DisplayName);
    }

    [Fact]
    public void A_from_with_an_address_is_never_replaced_by_the_reply_to()
    {
        var message = Read("From: eve@attacker.test\nReply-To: ann@customer.test\nSubject: s\n\nbody\n");

        Assert.Equal("eve@attacker.test", message.Sender.Address);
        Assert.Equal(SenderSource.From, message.SenderSource);
        Assert.Equal("eve@attacker.test", message.From?.Address);
    }

    [Theory]
    [InlineData("From: <>\nReply-To: ann@customer.test\nSubject: [Incident: 261207-000001] hi\n\nbody\n", "ann@customer.test", SenderSource.ReplyTo)]
    [InlineData("From: ann (Ann)\nSubject: [Incident: 261207-000001] hi\n\nbody\n", "ann", SenderSource.UnqualifiedFrom)]
    public void A_stand_in_sender_never_joins_an_existing_incident(string raw, string sender, SenderSource source)
    {
        var message = Read(raw);
        Assert.Equal(sender, message.Sender.Address);
        Assert.Equal(source, message.SenderSource);

        var incident = new IncidentSummary("261207-000001", "x", message.Sender.LookupKey, "support", IncidentStatus.New, null, null, null, null, [], [], T0, T0);
        var match = new ThreadMatch("261207-000001", ThreadEvidence.SubjectReference);
        // Even where the stand-in is the incident's contact and secure update is off.
        var decision = ThreadDecision.Decide(match, incident, message.Sender.LookupKey, null, new IncidentPolicy { SecureUpdate = false }, message.SenderSource);

        var opened = Assert.IsType<ThreadDecision.Open>(decision);
        Assert.Equal("261207-000001", opened.Mentions);
        Assert.Contains("not proven", opened.Why);
    }

    [Fact]
    public void A_file_uuencoded_into_the_body_is_screened_like_any_attachment()
    {
        var raw = Raw("From: eve@attacker.test\nSubject: invoice\n\nsee file\n\nbegin 644 invoice.exe\n#35I0\n`\nend\n");
        Assert.True(MessageParsing.TryParse(raw, out var mime, out var problem), problem);
        using (mime)
        {
            var verdict = new MessageScreen([], new AttachmentPolicy(null, null, [], [".exe"])).Screen(mime, raw.LongLength);

            Assert.Equal(ScreenOutcome.Reject, verdict.Outcome);
            Assert.Contains("invoice.exe", verdict.Reason);
        }

        var message = Read(raw);
        Assert.Equal("invoice.exe", Assert.Single(message.Attachments).FileName);
        Assert.Equal("MZP"u8.ToArray(), message.Attachments[0].Content);
        Assert.Equal("see file", message.TextBody);
    }
}
