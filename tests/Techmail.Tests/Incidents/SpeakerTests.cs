using Techmail.Incidents.Parsing;
using Techmail.Incidents.Speaker;
using Techmail.Outgoing;
using static Techmail.Tests.Incidents.CustomerMail;

namespace Techmail.Tests.Incidents;

/// <summary>Who speaks for a customer: Authentication-Results read and trusted, where answers go, what they echo.</summary>
public sealed class SpeakerTests
{
    private static readonly string[] Trusted = ["mx.helpdesk.example"];

    [Fact]
    public void An_authentication_results_header_reads_its_authserv_id_and_results_comments_and_versions_aside()
    {
        var parsed = AuthenticationResults.Parse(
            "mx.helpdesk.example 1; spf=pass (sender IP is 192.0.2.1) smtp.mailfrom=customer.example; dkim/1=pass header.d=customer.example "
            + "header.s=s1; dmarc=fail (p=reject sp=reject dis=none (nested)) header.from=customer.example;");

        Assert.NotNull(parsed);
        Assert.Equal("mx.helpdesk.example", parsed.AuthServId);
        Assert.Equal(["spf=pass", "dkim=pass", "dmarc=fail"], parsed.Results.Select(r => $"{r.Method}={r.Result}"));
        Assert.DoesNotContain("p=reject", parsed.Results[2].Text);
        Assert.Contains("header.from=customer.example", parsed.Results[2].Text);

        var none = AuthenticationResults.Parse("\"mx.helpdesk.example\"; none");
        Assert.Equal(("mx.helpdesk.example", 0), (none!.AuthServId, none.Results.Count));
    }

    [Theory]
    [InlineData("")]
    [InlineData("mx.helpdesk.example")]
    [InlineData("mx.helpdesk.example; dmarc")]
    [InlineData("mx.helpdesk.example; dmarc=fail (unclosed comment")]
    [InlineData("mx.helpdesk.example extra words; dmarc=fail")]
    [InlineData("; dmarc=fail")]
    public void A_header_that_does_not_follow_the_grammar_reads_as_nothing(string value) =>
        Assert.Null(AuthenticationResults.Parse(value));

    [Fact]
    public void A_trusted_servers_dmarc_fail_is_found_and_described()
    {
        var failure = DmarcFailure.Find(Headers(
            ("Return-Path", "<bounce@customer.example>"),
            ("Received", "from mx.helpdesk.example by imap.helpdesk.example"),
            ("Authentication-Results", "MX.Helpdesk.Example; dmarc=fail (p=reject) header.from=customer.example"),
            ("Received", "from attacker by mx.helpdesk.example"),
            ("From", "victim@customer.example")), Trusted);

        Assert.Equal(new DmarcFailure("MX.Helpdesk.Example", "dmarc=fail header.from=customer.example"), failure);
        Assert.Equal("DMARC failed (authserv-id MX.Helpdesk.Example: dmarc=fail header.from=customer.example)", failure!.Describe());
    }

    [Fact]
    public void Without_a_trusted_authserv_id_every_authentication_results_header_is_ignored()
    {
        var headers = Headers(("Authentication-Results", "mx.helpdesk.example; dmarc=fail header.from=customer.example"));

        Assert.Null(DmarcFailure.Find(headers, []));
        Assert.Null(DmarcFailure.Find(headers, ["mx.other.example"]));
    }

    [Fact]
    public void A_forged_header_below_the_trusted_servers_own_is_ignored_whatever_it_claims()
    {
        // The sender wrote a dmarc=fail under the trusted server's name below the hop into it: not believed.
        Assert.Null(DmarcFailure.Find(Headers(
            ("Authentication-Results", "mx.helpdesk.example; dmarc=pass header.from=customer.example"),
            ("Received", "from attacker by mx.helpdesk.example"),
            ("Authentication-Results", "mx.helpdesk.example; dmarc=fail header.from=customer.example")), Trusted));

        // A forged pass below cannot hide the trusted server's real fail, with or without a Received between them.
        Assert.NotNull(DmarcFailure.Find(Headers(
            ("Authentication-Results", "mx.helpdesk.example; dmarc=fail header.from=customer.example"),
            ("Received", "from attacker by mx.helpdesk.example"),
            ("Authentication-Results", "mx.helpdesk.example; dmarc=pass header.from=customer.example")), Trusted));
        Assert.NotNull(DmarcFailure.Find(Headers(
            ("Received", "from attacker by mx.helpdesk.example"),
            ("Authentication-Results", "mx.helpdesk.example; dmarc=fail header.from=customer.example"),
            ("Authentication-Results", "mx.helpdesk.example; dmarc=pass header.from=customer.example")), Trusted));

        // A header from another server ends the run: a trusted-looking one under it was not written by the trusted server.
        Assert.Null(DmarcFailure.Find(Headers(
            ("Authentication-Results", "mx.helpdesk.example; spf=pass smtp.mailfrom=customer.example"),
            ("Authentication-Results", "relay.attacker.example; dmarc=pass"),
            ("Authentication-Results", "mx.helpdesk.example; dmarc=fail header.from=customer.example")), Trusted));
    }

    [Theory]
    [InlineData("dmarc=pass")]
    [InlineData("dmarc=none")]
    [InlineData("dmarc=temperror")]
    [InlineData("dkim=fail; spf=fail")]
    public void Only_a_dmarc_fail_counts(string results) =>
        Assert.Null(DmarcFailure.Find(Headers(("Authentication-Results", $"mx.helpdesk.example; {results}")), Trusted));

    [Theory]
    [InlineData("customer.example", "customer.example", true)]
    [InlineData("customer.example", "help.customer.example", true)]
    [InlineData("mail.customer.example", "customer.example", true)]
    [InlineData("attacker.co.uk", "co.uk", true)]
    [InlineData("attacker.example", "uk", false)]
    [InlineData("news.customer.example", "help.customer.example", false)]
    [InlineData("attacker.example", "victim.example", false)]
    [InlineData("customer.example", "evilcustomer.example", false)]
    [InlineData("customer.example", "customer.example.attacker.example", false)]
    public void A_reply_to_counts_as_the_froms_own_in_the_same_domain_a_subdomain_or_a_parent_of_two_labels(string from, string replyTo, bool same) =>
        Assert.Equal(same, AnswerAddress.SameOwner(from, replyTo));

    [Fact]
    public void Answers_go_to_a_reply_to_in_the_froms_domain_and_to_the_from_otherwise_unless_any_is_allowed()
    {
        var own = Read("From: Ann <ann@customer.example>\nReply-To: Desk <desk@help.customer.example>\n\nbody\n");
        Assert.Equal(("desk@help.customer.example", null), (AnswerAddress.For(own, false).Address.Address, AnswerAddress.For(own, false).Ignored));

        var foreign = Read("From: Mallory <mallory@attacker.example>\nReply-To: victim@customer.example\n\nbody\n");
        var answer = AnswerAddress.For(foreign, false);
        Assert.Equal("mallory@attacker.example", answer.Address.Address);
        Assert.Equal("Reply-To victim@customer.example was not used: it is not in the domain of mallory@attacker.example, and the mailbox does not allow any Reply-To", answer.Ignored);
        Assert.Equal("victim@customer.example", AnswerAddress.For(foreign, true).Address.Address);

        var none = Read("From: ann@customer.example\n\nbody\n");
        Assert.Equal(("ann@customer.example", null), (AnswerAddress.For(none, false).Address.Address, AnswerAddress.For(none, false).Ignored));
    }

    [Theory]
    [InlineData("Printer on fire", "Printer on fire")]
    [InlineData("  Printer\r\n\ton   fire\u0007 ", "Printer on fire")]
    [InlineData("Urgent\u202E \u200Bnow", "Urgent now")]
    [InlineData("Your account is locked: https://evil.example/login now", "Your account is locked: [link removed] now")]
    [InlineData("Visit www.evil.example or evil.example/login or EVIL.EXAMPLE.", "Visit [link removed] or [link removed] or [link removed]")]
    [InlineData("Write to security@evil.example (mailto:x@evil.example)", "Write to [link removed] [link removed]")]
    [InlineData("Fullwidth evil\uFF0Eexample and version 2.1.3", "Fullwidth [link removed] and version 2.1.3")]
    public void An_echoed_subject_is_on_one_line_without_hidden_characters_or_links(string subject, string echoed) =>
        Assert.Equal(echoed, EchoedText.Clean(subject, EchoedText.SubjectLength));

    [Fact]
    public void An_echoed_subject_is_cut_to_80_characters_on_a_character_boundary_with_an_ellipsis()
    {
        var exactly = new string('a', 80);
        Assert.Equal(exactly, EchoedText.Clean(exactly, 80));

        var cut = EchoedText.Clean(new string('a', 78) + " 👍🏽👍🏽👍🏽", 80);
        Assert.Equal(new string('a', 78) + "…", cut);

        // Emoji with a skin tone (two UTF-16 pairs) and a letter with a combining accent are one character each, never split.
        var emoji = EchoedText.Clean(string.Concat(Enumerable.Repeat("👍🏽", 100)), 80);
        Assert.Equal(string.Concat(Enumerable.Repeat("👍🏽", 79)) + "…", emoji);
        var accents = EchoedText.Clean(string.Concat(Enumerable.Repeat("e\u0301", 100)), 10);
        Assert.Equal(string.Concat(Enumerable.Repeat("e\u0301", 9)) + "…", accents);
    }

    private static List<(string Name, string Value)> Headers(params (string Name, string Value)[] headers) => [.. headers];
}
