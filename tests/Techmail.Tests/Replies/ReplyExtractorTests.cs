using MimeKit;
using Techmail.Incidents;
using Techmail.Mailboxes;
using Techmail.Outgoing;
using Techmail.Replies;
using Techmail.Tests.Support;

namespace Techmail.Tests.Replies;

/// <summary>The reply text of customers' mail: the hand-written corpus as a whole, and the rules one at a time.</summary>
public sealed class ReplyExtractorTests
{
    private const int MinimumCases = 120;

    /// <summary>
    /// Under the agreement the extractor has on the corpus (148 of 150: a bare name under a Japanese reply, and a line of
    /// the customer's own that starts with "&gt;"); a rule change that costs a case shows here with the cases it broke.
    /// </summary>
    private const double AgreementFloor = 0.98;

    [Fact]
    public void The_corpus_has_enough_cases_each_with_its_expected_reply()
    {
        var cases = ReplyCorpus.Load();
        Assert.True(cases.Count >= MinimumCases, $"{cases.Count} cases; at least {MinimumCases} wanted");
        Assert.Contains(cases, c => c.IsHtml);
        Assert.All(cases, c => Assert.NotEmpty(ReplyCorpus.Significant(c.Expected)));
    }

    [Fact]
    public void The_corpus_agrees_with_the_expected_replies()
    {
        var cases = ReplyCorpus.Load();
        var wrong = cases.Select(c => (c, Actual: c.Extract())).Where(r => !ReplyCorpus.Agrees(r.c.Expected, r.Actual)).ToList();
        var agreement = 1.0 * (cases.Count - wrong.Count) / cases.Count;

        Assert.True(agreement >= AgreementFloor,
            $"agreement {agreement:P1} is under {AgreementFloor:P0}:\n" + string.Join("\n", wrong.Select(w =>
                $"{w.c.Name}\n  expected: {string.Join(" | ", ReplyCorpus.Significant(w.c.Expected))}\n  actual:   {string.Join(" | ", ReplyCorpus.Significant(w.Actual))}")));
    }

    [Fact]
    public void A_reply_to_an_acknowledgement_with_the_marker_ends_at_the_marker_whatever_the_client_did_with_the_quote()
    {
        var outgoing = new OutgoingSettings("bounces@example.com", "help@example.com", null, "Example Help", null);
        using var ack = MimeMessage.Load(new MemoryStream(IncidentMail.Acknowledgement(outgoing, new IncidentPolicy { ReplyMarker = true }, "261207-000042",
            "Printer", new MailboxAddress("Ann", "ann@example.net"), "<q1@example.net>", [], "<tm.x@example.com>", DateTimeOffset.UnixEpoch)));
        var ackText = ack.TextBody!.Replace("\r\n", "\n", StringComparison.Ordinal);
        Assert.StartsWith(ReplyMarker.Line + "\n", ackText);

        // Quoted with "> " under an attribution, pasted in without quoting, and under an Outlook header block.
        var quoted = "It works now, thanks!\n\nOn Mon, 7 Dec 2026 at 09:00, Example Help <help@example.com> wrote:\n"
            + string.Join("\n", ackText.Split('\n').Select(l => "> " + l));
        var pasted = "It works now, thanks!\n\n" + ackText;
        var outlook = "It works now, thanks!\n\nFrom: Example Help <help@example.com>\nSent: Monday, 7 December 2026 09:00\nTo: Ann\nSubject: [Incident: 261207-000042] Printer\n\n" + ackText;
        Assert.All(new[] { quoted, pasted, outlook }, mail => Assert.Equal("It works now, thanks!", ReplyExtractor.FromText(mail)));
        // Without the marker the text of the acknowledgement is no marker and no history of its own.
        Assert.Contains("opened incident 261207-000042", ReplyExtractor.FromText(ackText.Replace(ReplyMarker.Line, "", StringComparison.Ordinal)));
    }

    [Fact]
    public void Agent_replies_carry_the_marker_only_when_the_installation_asks()
    {
        Assert.Equal("Fixed.", IncidentMail.Marked(new IncidentPolicy(), "Fixed."));
        var marked = IncidentMail.Marked(new IncidentPolicy { ReplyMarker = true }, "Fixed.");
        Assert.Equal($"{ReplyMarker.Line}\n\nFixed.", marked);
        Assert.Equal("Thanks!", ReplyExtractor.FromText("Thanks!\n\n" + string.Join("\n", marked.Split('\n').Select(l => "> " + l))));
    }

    [Fact]
    public void Answers_between_quoted_lines_keep_the_customers_lines_only()
    {
        const string mail = """
            On 7 Dec 2026, at 09:00, Support <support@example.com> wrote:
            > Which version do you run?
            4.2.1
            > And which browser?
            Firefox 133, also Edge.
            > Does a private window help?
            """;

        Assert.Equal("4.2.1\n\nFirefox 133, also Edge.", ReplyExtractor.FromText(mail));
    }

    [Fact]
    public void A_mail_that_is_nothing_but_history_keeps_its_whole_body()
    {
        const string mail = "On Mon, 7 Dec 2026 at 09:00, Support <support@example.com> wrote:\n> Please send the invoice.";
        Assert.Equal(mail, ReplyExtractor.FromText(mail));
        const string html = "<blockquote type=\"cite\">Please send the invoice.</blockquote>";
        Assert.Equal("Please send the invoice.", ReplyExtractor.FromHtml(html));
    }

    [Fact]
    public void A_reply_that_is_only_a_closing_word_keeps_it()
    {
        Assert.Equal("Thanks!", ReplyExtractor.FromText("Thanks!\n\nOn Mon, 7 Dec 2026 at 09:00, Support <support@example.com> wrote:\n> Fixed."));
        Assert.Equal("Thanks, that works.", ReplyExtractor.FromText("Thanks, that works.\n\nSent from my iPhone"));
    }

    [Theory]
    [InlineData("FW: Delivery note missing", true)]
    [InlineData("Fwd: Damaged delivery", true)]
    [InlineData("WG: Rechnung", true)]
    [InlineData("TR : Facture", true)]
    [InlineData("[ext] Fw: order", true)]
    [InlineData("Re: FW: order", false)]
    [InlineData("Forward planning", false)]
    [InlineData(null, false)]
    public void A_subject_tells_a_forward_from_a_reply(string? subject, bool forward) => Assert.Equal(forward, ReplyExtractor.IsForward(subject));

    [Fact]
    public void An_outlook_block_is_history_in_a_reply_and_kept_in_a_forward()
    {
        const string mail = "Please see below, can you help?\n\n-----Original Message-----\nFrom: Warehouse <w@example.com>\nSent: Monday, 7 December 2026 09:00\nTo: Nina\nSubject: Delivery note missing\n\nThe pallet arrived without a delivery note.\n\nRegards,\nWarehouse";

        Assert.Equal("Please see below, can you help?", ReplyExtractor.FromText(mail, "RE: Delivery note missing"));
        // The forwarded mail keeps its own sign-off: signature rules read the customer's lines only.
        Assert.Equal(mail, ReplyExtractor.FromText(mail, "FW: Delivery note missing"));

        const string owa = "<div>See below.</div><hr><div id=\"divRplyFwdMsg\"><b>From:</b> Warehouse<br><b>Sent:</b> Monday<br><b>To:</b> Nina<br><b>Subject:</b> Note</div><div>The pallet arrived.</div>";
        Assert.Equal("See below.", ReplyExtractor.FromHtml(owa, "RE: Note"));
        Assert.EndsWith("The pallet arrived.", ReplyExtractor.FromHtml(owa, "FW: Note"));
    }

    [Fact]
    public void A_forward_apple_mail_puts_in_a_quote_is_kept()
    {
        const string html = "<div>Is this genuine?</div><div><br><blockquote type=\"cite\"><div>Begin forwarded message:</div><br><div><b>From: </b>Bank &lt;alerts@bank.example&gt;</div><div>Your account is locked.</div></blockquote></div>";

        var reply = ReplyExtractor.FromHtml(html);

        Assert.StartsWith("Is this genuine?", reply);
        Assert.Contains("Your account is locked.", reply);
    }

    [Fact]
    public void Html_character_references_survive_the_removal_of_quotes()
    {
        const string html = "<p>Tom &amp; Jerry &lt;3 your &quot;support&quot; &#8212; caf&eacute;</p><blockquote>old</blockquote>";
        Assert.Equal("Tom & Jerry <3 your \"support\" \u2014 café", ReplyExtractor.FromHtml(html));
    }

    [Theory]
    [InlineData("I wrote to you on 12 March about this:\nthe invoice is still wrong.")]
    [InlineData("From: the start the app was slow.\nTo: be fair, it got better.")]
    [InlineData("Best regards to the whole team, you were a great help in 2024 and I hope this continues.")]
    public void Sentences_that_look_like_headers_stay(string mail) => Assert.Equal(mail, ReplyExtractor.FromText(mail));
}
