using Techmail.Rules;
using static Techmail.Tests.Incidents.CustomerMail;

namespace Techmail.Tests.Rules;

/// <summary>What rules see of a real customer message, read by the intake's own reader.</summary>
public sealed class RuleInputTests
{
    [Fact]
    public void Addresses_subject_body_and_headers_come_from_the_message()
    {
        var message = Read("""
            From: Ann Lee <ann@Customer.Example>
            Reply-To: "Desk" <desk@customer.example>
            To: Help <help@acme.example>, sales@acme.example
            Cc: boss@customer.example
            Subject: =?utf-8?q?Rechnung_f=C3=BCr_M=C3=A4rz?=
            X-Priority: 1
            Content-Type: text/plain; charset=utf-8

            Hello,
            the invoice is wrong.
            """);

        var input = RuleInput.FromMessage(message, "support", contactKnown: true, isNew: false);

        Assert.Equal("support", input.Mailbox);
        Assert.Equal("ann@customer.example", input.Sender);
        Assert.Equal("ann@customer.example", input.From);
        Assert.Equal(["help@acme.example", "sales@acme.example"], input.To);
        Assert.Equal(["boss@customer.example"], input.Cc);
        Assert.Equal("Rechnung für März", input.Subject);
        Assert.Equal("Hello,\nthe invoice is wrong.", input.Body.TrimEnd());
        Assert.Contains(("X-Priority", "1"), input.Headers);
        Assert.False(input.HasAttachments);
        Assert.True(input.ContactKnown);
        Assert.False(input.IsNew);
    }

    [Fact]
    public void Only_files_count_as_attachments_not_images_shown_in_the_body()
    {
        const string inlineLogo = """
            From: ann@customer.example
            Subject: logo only
            MIME-Version: 1.0
            Content-Type: multipart/related; boundary="b"

            --b
            Content-Type: text/html; charset=utf-8

            <p>Hi</p><img src="cid:logo@x">
            --b
            Content-Type: image/png
            Content-ID: <logo@x>
            Content-Disposition: inline
            Content-Transfer-Encoding: base64

            iVBORw0KGgo=
            --b--
            """;
        Assert.False(RuleInput.FromMessage(Read(inlineLogo), "m", false, true).HasAttachments);

        var withFile = inlineLogo.Replace("Content-Disposition: inline", "Content-Disposition: attachment; filename=\"scan.png\"");
        Assert.True(RuleInput.FromMessage(Read(withFile), "m", false, true).HasAttachments);
    }

    [Fact]
    public void A_message_read_from_raw_bytes_drives_the_rules_end_to_end()
    {
        var message = Read("From: ann@customer.example\nTo: billing@acme.example\nSubject: Invoice 42\n\nPlease fix.\n");
        var rules = RuleSetJson.Parse(File.ReadAllText(Path.Combine(Support.RepoPaths.Root, "docs", "rules-example.json")));

        var outcome = RuleEngine.Evaluate(rules, RuleInput.FromMessage(message, "support", contactKnown: false, isNew: true));

        Assert.Equal(["invoices-to-billing"], outcome.Fired);
        Assert.Equal(("billing", "invoice", "maria"), (outcome.Queue, outcome.Category, outcome.Assignee));
    }
}
