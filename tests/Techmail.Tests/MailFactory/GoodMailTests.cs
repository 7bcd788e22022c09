using MimeKit;
using Techmail.MailFactory;

namespace Techmail.Tests.MailFactory;

/// <summary>The generator's good mail is what real senders write: parseable, addressed, threaded, with real DSNs.</summary>
public class GoodMailTests
{
    [Fact]
    public void ServiceQuestionIsAnOrdinaryMessageFromItsSender()
    {
        var mail = new MailGenerator(5).ServiceQuestion("chaos-good-0000001", "customer1@example.net", attachment: "invoice.pdf");
        var message = MimeMessage.Load(new MemoryStream(mail.Raw));

        Assert.Equal("customer1@example.net", Assert.Single(message.From.Mailboxes).Address);
        Assert.Equal(mail.MessageId, $"<{message.MessageId}>");
        Assert.EndsWith("chaos-good-0000001", message.Subject);
        Assert.Equal("invoice.pdf", Assert.Single(message.Attachments).ContentDisposition!.FileName);
        Assert.Contains("chaos-good-0000001", message.TextBody);
        Assert.Equal(["chaos-good-0000001"], MailToken.FindAll(mail.Raw));
    }

    [Fact]
    public void RedeliveryKeepsTheMessageIdAndSenderButHasATokenOfItsOwn()
    {
        var generator = new MailGenerator(5);
        var first = generator.ServiceQuestion("chaos-good-0000001", "customer1@example.net");
        var again = generator.ServiceRedelivery("chaos-good-0000002", first);
        var message = MimeMessage.Load(new MemoryStream(again.Raw));

        Assert.Equal(first.MessageId, $"<{message.MessageId}>");
        Assert.Equal("customer1@example.net", Assert.Single(message.From.Mailboxes).Address);
        Assert.Equal(["chaos-good-0000002"], MailToken.FindAll(again.Raw));
    }

    [Fact]
    public void ReplyIsThreadedOnTheAcknowledgement()
    {
        var mail = new MailGenerator(5).ServiceReply("chaos-good-0000003", "customer1@example.net", "ack.123@support.example.com", "Re: [Incident: 261126-000001] Cannot log in");
        var message = MimeMessage.Load(new MemoryStream(mail.Raw));

        Assert.Equal("ack.123@support.example.com", message.InReplyTo);
        Assert.Contains("ack.123@support.example.com", message.References);
        Assert.StartsWith("Re: [Incident: 261126-000001] Cannot log in", message.Subject);
    }

    [Fact]
    public void DsnIsAnRfc3464ReportForTheRecipient()
    {
        var mail = new MailGenerator(5).Dsn("chaos-good-0000004", "reader7@example.org");
        var message = MimeMessage.Load(new MemoryStream(mail.Raw));

        var report = Assert.IsType<MultipartReport>(message.Body);
        Assert.Equal("delivery-status", report.ReportType);
        var status = Assert.Single(report.OfType<MessageDeliveryStatus>());
        var recipient = status.StatusGroups[1];
        Assert.Equal("rfc822; reader7@example.org", recipient["Final-Recipient"]);
        Assert.Matches(@"^[45]\.\d\.\d$", recipient["Status"]);
        Assert.Equal("bounces+reader7=example.org@news.example.com", Assert.Single(message.To.Mailboxes).Address);
        Assert.Equal(["chaos-good-0000004"], MailToken.FindAll(mail.Raw));
    }

    [Fact]
    public void TheSameSeedGivesTheSameGoodMail()
    {
        static byte[][] Make(int seed)
        {
            var g = new MailGenerator(seed);
            return [g.ServiceQuestion("chaos-good-0000001", "a@example.net", "shot.png").Raw, g.Dsn("chaos-good-0000002", "b@example.org").Raw, g.FlaggedSpam("chaos-good-0000003", "c@example.net").Raw];
        }

        Assert.Equal(Make(11), Make(11));
        Assert.NotEqual(Make(11), Make(12));
    }
}
