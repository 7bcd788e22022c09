using System.Text;
using MimeKit;
using Techmail.Bounces;
using Techmail.Bounces.Ties;
using Techmail.Mailboxes;
using Techmail.Outgoing;
using Techmail.Polling;
using Techmail.Tests.Support;

namespace Techmail.Tests.Bounces;

/// <summary>Which reports are tied to mail the tenant sent, without a database (the store side is BounceTieStoreTests).</summary>
public sealed class BounceTyingTests
{
    private static readonly SentMail Newsletter = new("n1@sender.example", "returns", ["Ann@example.net", "bob@example.net"]);

    [Fact]
    public void A_report_naming_mail_sent_to_the_reported_recipient_is_tied_whatever_the_case()
    {
        var judged = BounceTying.Judge(Report(["other@x", "n1@sender.example"]), Finding("ANN@example.net"), [Newsletter]);

        Assert.True(judged.IsTied);
        Assert.Equal("message-id:n1@sender.example", judged.TiedTo);
        Assert.Null(judged.Untied);
    }

    [Fact]
    public void A_report_without_ids_with_unknown_ids_or_for_someone_else_is_untied_with_the_reason()
    {
        Assert.Equal("not tied to mail sent by this tenant: the report names no Message-ID",
            BounceTying.Judge(Report([]), Finding("ann@example.net"), [Newsletter]).Untied);
        Assert.Equal("not tied to mail sent by this tenant: no mail in the outbox has Message-ID <forged@x>",
            BounceTying.Judge(Report(["forged@x"]), Finding("ann@example.net"), [Newsletter]).Untied);
        Assert.Equal("not tied to mail sent by this tenant: no mail in the outbox has any of the 2 Message-IDs the report names (first <a@x>)",
            BounceTying.Judge(Report(["a@x", "b@x"]), Finding("ann@example.net"), [Newsletter]).Untied);
        Assert.Equal("not tied to mail sent by this tenant: victim@example.net was not a recipient of <n1@sender.example>",
            BounceTying.Judge(Report(["n1@sender.example"]), Finding("victim@example.net"), [Newsletter]).Untied);
    }

    [Fact]
    public void Evidence_is_the_returned_id_then_in_reply_to_then_references_newest_first_normalised_and_bounded()
    {
        var references = string.Join(" ", Enumerable.Range(1, 20).Select(i => $"<r{i}@x>"));
        var report = MimeMessage.Load(new MemoryStream(Encoding.ASCII.GetBytes(
            $"From: MAILER-DAEMON@mx.example\r\nIn-Reply-To: <Reply@X>\r\nReferences: {references}\r\nSubject: x\r\n\r\nbody\r\n")));

        var ids = BounceEvidence.MessageIds(report, "<Returned@Sender.Example>");

        Assert.Equal(BounceEvidence.MaxIds, ids.Count);
        Assert.Equal(["returned@sender.example", "reply@x", "r20@x", "r19@x"], ids.Take(4));
    }

    [Fact]
    public void Evidence_from_a_real_dsn_and_complaint_is_the_returned_message_id()
    {
        var dsn = MimeMessage.Load(new MemoryStream(TestBounces.HardUserUnknown("gone@example.net", "<Sent-1@Sender.Example>")));
        var classified = new BounceClassifier().Classify(dsn);
        Assert.Equal(["sent-1@sender.example"], BounceEvidence.MessageIds(dsn, classified.OriginalMessageId));

        var arf = MimeMessage.Load(new MemoryStream(TestBounces.Complaint("ann@example.net", "<sent-2@sender.example>")));
        Assert.Equal(["sent-2@sender.example"], BounceEvidence.MessageIds(arf, new BounceClassifier().Classify(arf).OriginalMessageId));
    }

    private static InboundMessage Report(IReadOnlyList<string> ids) =>
        new("t", "returns", MailboxType.Marketing, "k", "1", null, null, null, [1], [], OriginalMessageIds: ids);

    private static BounceFinding Finding(string address) => new(address, "userunknown", true, "5.1.1", "550", null);
}
