using System.Diagnostics;
using Techmail.Incidents;
using Techmail.Rules;
using static Techmail.Tests.Rules.RulesJson;

namespace Techmail.Tests.Rules;

public sealed class RuleEngineTests
{
    private static readonly RuleInput Mail = new(
        Mailbox: "Support",
        Sender: "Ann.Lee@Customer.example",
        From: "ann@mail.customer.example",
        To: ["help@acme.example", "sales@eu.acme.example"],
        Cc: ["boss@customer.example"],
        Subject: "  Invoice 2026-117 is wrong ",
        Body: "Hello,\nthe amount on invoice 117 is wrong.\nKind regards",
        FullBody: "Hello,\nthe amount on invoice 117 is wrong.\nKind regards\n\nOn Mon, 7 Dec 2026 at 10:00, Acme <help@acme.example> wrote:\n> Ask us for a refund any time.",
        Headers: [("X-Priority", "3"), ("Received", "from a.example"), ("received", "from b.example"), ("Content-Type", "text/plain")],
        HasAttachments: true,
        ContactKnown: false,
        IsNew: true);

    [Theory]
    [InlineData("mailbox", "equals", "support", true)]
    [InlineData("mailbox", "equals", "sales", false)]
    [InlineData("sender", "equals", "ann.lee@customer.example", true)]
    [InlineData("sender", "contains", "ann.lee", true)]
    [InlineData("sender", "regex", "^ann\\\\.lee@", true)]
    [InlineData("sender", "equals", "ann@mail.customer.example", false)]
    [InlineData("senderDomain", "equals", "customer.example", true)]
    [InlineData("senderDomain", "equals", "mail.customer.example", false)]
    [InlineData("from", "equals", "ann@mail.customer.example", true)]
    [InlineData("from", "contains", "ann.lee", false)]
    [InlineData("fromDomain", "equals", "mail.customer.example", true)]
    [InlineData("fromDomain", "regex", "(^|\\\\.)customer\\\\.example$", true)]
    [InlineData("to", "equals", "sales@eu.acme.example", true)]
    [InlineData("to", "equals", "boss@customer.example", false)]
    [InlineData("toDomain", "equals", "acme.example", true)]
    [InlineData("toDomain", "equals", "eu.acme.example", true)]
    [InlineData("toDomain", "equals", "customer.example", false)]
    [InlineData("cc", "contains", "boss@", true)]
    [InlineData("cc", "contains", "help@", false)]
    [InlineData("ccDomain", "equals", "CUSTOMER.EXAMPLE", true)]
    [InlineData("subject", "contains", "INVOICE", true)]
    [InlineData("subject", "equals", "invoice 2026-117 is wrong", true)]
    [InlineData("subject", "equals", "invoice", false)]
    [InlineData("subject", "regex", "invoice \\\\d{4}-\\\\d+", true)]
    [InlineData("subject", "regex", "^invoice", false)]
    [InlineData("body", "contains", "amount on invoice", true)]
    [InlineData("body", "regex", "^kind regards$", false)]
    [InlineData("body", "regex", "(?m)^kind regards$", true)]
    [InlineData("body", "contains", "refund", false)]
    public void Text_conditions_match_any_value_of_their_field_ignoring_case(string field, string op, string value, bool expected)
    {
        Assert.Equal(expected, Fires($"{{'field': '{field}', 'op': '{op}', 'value': '{value}'}}"));
        // "not" is the exact opposite whenever the test could run.
        Assert.Equal(!expected, Fires($"{{'field': '{field}', 'op': '{op}', 'value': '{value}', 'not': true}}"));
    }

    [Theory]
    [InlineData("contains", "refund", false, true)]
    [InlineData("contains", "amount on invoice", true, true)]
    [InlineData("regex", "(?m)^> ask us", false, true)]
    [InlineData("regex", "wrong\\\\.\\\\nkind regards$", true, false)]
    public void Body_conditions_read_the_reply_text_unless_they_ask_for_the_full_body(string op, string value, bool inReply, bool inFullBody)
    {
        Assert.Equal(inReply, Fires($"{{'field': 'body', 'op': '{op}', 'value': '{value}'}}"));
        Assert.Equal(inFullBody, Fires($"{{'field': 'body', 'op': '{op}', 'value': '{value}', 'fullBody': true}}"));
        Assert.Equal(!inFullBody, Fires($"{{'field': 'body', 'op': '{op}', 'value': '{value}', 'fullBody': true, 'not': true}}"));
    }

    [Theory]
    [InlineData("X-Priority", "equals", "3", true)]
    [InlineData("x-priority", "equals", "3", true)]
    [InlineData("RECEIVED", "contains", "b.example", true)]
    [InlineData("Received", "regex", "^from a\\\\.", true)]
    [InlineData("Content-Type", "contains", "html", false)]
    [InlineData("X-Spam-Flag", "equals", "YES", false)]
    public void Header_conditions_name_the_header_ignoring_case_and_match_any_of_its_values(string name, string op, string value, bool expected)
    {
        Assert.Equal(expected, Fires($"{{'field': 'header', 'name': '{name}', 'op': '{op}', 'value': '{value}'}}"));
        Assert.Equal(!expected, Fires($"{{'field': 'header', 'name': '{name}', 'op': '{op}', 'value': '{value}', 'not': true}}"));
    }

    [Theory]
    [InlineData("hasAttachments", true)]
    [InlineData("contactKnown", false)]
    [InlineData("isNew", true)]
    public void Flag_conditions_are_true_or_false_and_not_flips_them(string field, bool expected)
    {
        Assert.Equal(expected, Fires($"{{'field': '{field}'}}"));
        Assert.Equal(!expected, Fires($"{{'field': '{field}', 'not': true}}"));
        Assert.Equal(!expected, Fires($"{{'field': '{field}'}}", Mail with { HasAttachments = !Mail.HasAttachments, ContactKnown = !Mail.ContactKnown, IsNew = !Mail.IsNew }));
    }

    [Fact]
    public void A_message_without_from_matches_no_from_condition_and_every_negated_one()
    {
        var noFrom = Mail with { From = null, To = [], Cc = [] };
        Assert.False(Fires("{'field': 'from', 'op': 'contains', 'value': '@'}", noFrom));
        Assert.False(Fires("{'field': 'fromDomain', 'op': 'regex', 'value': '.'}", noFrom));
        Assert.True(Fires("{'field': 'from', 'op': 'contains', 'value': '@', 'not': true}", noFrom));
        Assert.False(Fires("{'field': 'to', 'op': 'contains', 'value': '@'}", noFrom));
        Assert.True(Fires("{'field': 'ccDomain', 'op': 'equals', 'value': 'customer.example', 'not': true}", noFrom));
    }

    [Fact]
    public void All_needs_every_condition_any_needs_one_and_empty_all_is_every_message()
    {
        const string yes = "{'field': 'isNew'}";
        const string no = "{'field': 'contactKnown'}";
        Assert.True(Fires($"{yes}, {yes}"));
        Assert.False(Fires($"{yes}, {no}"));
        Assert.True(Fires($"{no}, {yes}", match: "any"));
        Assert.False(Fires($"{no}, {no}", match: "any"));
        Assert.True(Fires(""));
    }

    [Fact]
    public void Conditions_after_the_deciding_one_are_skipped_and_the_trace_says_so()
    {
        var outcome = Run(Of(
            Rule("all", "{'field': 'isNew'}, {'field': 'contactKnown'}, {'field': 'subject', 'op': 'contains', 'value': 'x'}", "'queue': 'a'"),
            Rule("any", "{'field': 'contactKnown'}, {'field': 'isNew'}, {'field': 'hasAttachments'}", "'queue': 'b'", match: "any")));

        Assert.Equal(
            [("isNew", ConditionResult.Matched), ("contactKnown", ConditionResult.NotMatched), ("subject contains 'x'", ConditionResult.Skipped)],
            outcome.Trace[0].Conditions.Select(c => (c.Condition, c.Result)));
        Assert.Equal(RuleVerdict.NotMatched, outcome.Trace[0].Verdict);
        Assert.Equal(
            [ConditionResult.NotMatched, ConditionResult.Matched, ConditionResult.Skipped],
            outcome.Trace[1].Conditions.Select(c => c.Result));
        Assert.Equal(["any"], outcome.Fired);
    }

    [Fact]
    public void Later_rules_override_settings_keep_what_they_do_not_set_and_add_tags_once()
    {
        var outcome = Run(Of(
            Rule("first", "", "'queue': 'q1', 'priority': 'low', 'category': 'c1', 'status': 'waiting', 'assignee': 'amy', 'addTags': ['VIP', 'billing']"),
            Rule("no-match", "{'field': 'contactKnown'}", "'queue': 'never', 'addTags': ['never']"),
            Rule("second", "", "'queue': 'q2', 'status': 'solved', 'addTags': ['vip', 'eu']"),
            Rule("third", "", "'priority': 'high', 'addTags': ['billing']")));

        Assert.Equal(("q2", "high", "c1", IncidentStatus.Solved, "amy"), (outcome.Queue, outcome.Priority, outcome.Category, outcome.Status, outcome.Assignee));
        // Tags compare ignoring case; the first spelling is kept.
        Assert.Equal(["VIP", "billing", "eu"], outcome.Tags);
        Assert.Equal(["first", "second", "third"], outcome.Fired);
        Assert.Equal(
            [RuleVerdict.Fired, RuleVerdict.NotMatched, RuleVerdict.Fired, RuleVerdict.Fired],
            outcome.Trace.Select(t => t.Verdict));
    }

    [Fact]
    public void Stop_applies_its_own_actions_then_ends_the_run_and_only_when_its_rule_fires()
    {
        var outcome = Run(Of(
            Rule("would-stop", "{'field': 'contactKnown'}", "'stop': true"),
            Rule("stopper", "{'field': 'isNew'}", "'queue': 'triage', 'addTags': ['stopped'], 'stop': true"),
            Rule("after", "", "'queue': 'late', 'addTags': ['late']")));

        Assert.Equal("triage", outcome.Queue);
        Assert.Equal(["stopped"], outcome.Tags);
        Assert.Equal(["stopper"], outcome.Fired);
        Assert.Equal(RuleVerdict.NotReached, outcome.Trace[2].Verdict);
        Assert.Empty(outcome.Trace[2].Conditions);
    }

    [Fact]
    public void Disabled_rules_are_skipped()
    {
        var outcome = Run(Of(
            Rule("off", "", "'queue': 'off', 'stop': true", enabled: false),
            Rule("on", "", "'priority': 'p'")));

        Assert.Null(outcome.Queue);
        Assert.Equal("p", outcome.Priority);
        Assert.Equal([RuleVerdict.Disabled, RuleVerdict.Fired], outcome.Trace.Select(t => t.Verdict));
    }

    [Fact]
    public void Suppressing_the_acknowledgement_sticks_once_a_rule_asks_for_it()
    {
        var outcome = Run(Of(
            Rule("quiet", "", "'suppressAcknowledgement': true"),
            Rule("loud", "", "'suppressAcknowledgement': false, 'queue': 'q'")));
        Assert.True(outcome.SuppressAcknowledgement);
        Assert.False(Run(Of(Rule("q", "", "'queue': 'q'"))).SuppressAcknowledgement);
    }

    [Fact]
    public void No_rules_decide_nothing()
    {
        var outcome = RuleEngine.Evaluate(RuleSet.Empty, Mail);
        Assert.Equal((null, null, null, null, null, false), (outcome.Queue, outcome.Priority, outcome.Category, outcome.Status, outcome.Assignee, outcome.SuppressAcknowledgement));
        Assert.Empty(outcome.Tags);
        Assert.Empty(outcome.Fired);
        Assert.Empty(outcome.Trace);
    }

    [Fact]
    public void A_regex_that_runs_out_of_time_is_false_even_negated_and_costs_one_timeout_per_message()
    {
        // Catastrophic backtracking: nested quantifiers against a long run of 'a' that cannot end the match.
        var hostile = Mail with { Subject = new string('a', 40) + "!" };
        const string evil = "{'field': 'subject', 'op': 'regex', 'value': '^(a+)+$'}";
        const string evilNegated = "{'field': 'subject', 'op': 'regex', 'value': '^(a|aa)+$', 'not': true}";
        var rules = new List<string>
        {
            Rule("evil", evil, "'queue': 'evil'"),
            Rule("evil-negated", evilNegated, "'queue': 'negated'"),
            Rule("rescued", $"{evil}, {{'field': 'isNew'}}", "'addTags': ['rescued']", match: "any"),
        };
        rules.AddRange(Enumerable.Range(0, 30).Select(i => Rule($"more-{i}", evil, "'priority': 'p'")));

        var clock = Stopwatch.StartNew();
        var outcome = Run(Of([.. rules]), hostile);
        clock.Stop();

        Assert.Equal(ConditionResult.TimedOut, outcome.Trace[0].Conditions[0].Result);
        Assert.Equal(ConditionResult.TimedOut, outcome.Trace[1].Conditions[0].Result);
        Assert.Equal(["rescued"], outcome.Fired);
        Assert.Null(outcome.Queue);
        Assert.Null(outcome.Priority);
        Assert.All(outcome.Trace.Skip(3), t => Assert.Equal(ConditionResult.TimedOut, t.Conditions[0].Result));
        // One 100 ms timeout, not 33 of them.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"took {clock.Elapsed}");

        // The same rules on an ordinary message run normally: the budget is per message.
        var plain = Run(Of([.. rules]), Mail with { Subject = "aaaa" });
        Assert.Equal("evil", plain.Fired[0]);
    }

    [Fact]
    public void Equals_ignores_spaces_around_the_message_value_only()
    {
        Assert.True(Fires("{'field': 'subject', 'op': 'equals', 'value': 'Invoice 2026-117 is wrong'}"));
        Assert.False(Fires("{'field': 'subject', 'op': 'contains', 'value': '  Invoice 2026-117 is wrong  x'}"));
    }

    private static bool Fires(string conditions, RuleInput? input = null, string match = "all") =>
        Run(Of(Rule("r", conditions, "'queue': 'q'", match)), input).Fired.Count == 1;

    private static RuleOutcome Run(string json, RuleInput? input = null) => RuleEngine.Evaluate(RuleSetJson.Parse(json), input ?? Mail);
}
