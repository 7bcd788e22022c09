using Techmail.Incidents;
using Techmail.Rules;
using Techmail.Tests.Support;
using static Techmail.Tests.Rules.RulesJson;

namespace Techmail.Tests.Rules;

public sealed class RuleSetJsonTests
{
    private static readonly string ExampleFile = Path.Combine(RepoPaths.Root, "docs", "rules-example.json");

    [Fact]
    public void The_documented_example_parses_and_is_already_canonical()
    {
        var text = File.ReadAllText(ExampleFile);
        var set = RuleSetJson.Parse(text);

        Assert.Equal(["ignore-out-of-office", "vip-customers", "invoices-to-billing", "new-mail-with-files", "replies-without-thanks"], set.Rules.Select(r => r.Name));
        Assert.False(set.Rules[4].Enabled);
        Assert.Equal(IncidentStatus.Solved, set.Rules[0].Actions.Status);
        Assert.Equal(text.ReplaceLineEndings("\n"), RuleSetJson.Write(set));
    }

    [Fact]
    public void A_body_condition_on_the_full_body_keeps_its_choice_through_an_export()
    {
        var set = RuleSetJson.Parse(Of(
            "{'name': 'r', 'conditions': [{'field': 'body', 'op': 'contains', 'value': 'refund', 'fullBody': true}, {'field': 'body', 'op': 'contains', 'value': 'invoice', 'fullBody': false}], 'actions': {'queue': 'q'}}"));

        Assert.Equal([true, false], set.Rules[0].Conditions.Select(c => c.FullBody));
        Assert.Equal("full body contains 'refund'", set.Rules[0].Conditions[0].Describe());
        var written = RuleSetJson.Write(set);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(written, "\"fullBody\": true"));
        Assert.DoesNotContain("\"fullBody\": false", written);
        Assert.Equal([true, false], RuleSetJson.Parse(written).Rules[0].Conditions.Select(c => c.FullBody));
    }

    [Fact]
    public void Write_is_canonical_so_an_export_of_an_import_round_trips()
    {
        // Loose spelling: tokens in any case, defaults left out, nulls for absent fields, fields in any order.
        var loose = Of(
            "{'actions': {'stop': false, 'queue': 'first-line', 'assignee': null}, 'conditions': [], 'name': 'x'}",
            "{'name': 'y', 'match': 'ANY', 'conditions': [{'value': 'a\\\\d+', 'op': 'Regex', 'field': 'SUBJECT', 'not': false}, {'field': 'header', 'name': 'X-Prio', 'op': 'equals', 'value': '1', 'not': true}, {'field': 'IsNew', 'not': true}], 'actions': {'status': 'Waiting', 'addTags': ['b', 'a'], 'priority': null, 'suppressAcknowledgement': true, 'stop': true}}");

        var written = RuleSetJson.Write(RuleSetJson.Parse(loose));

        Assert.Equal(written, RuleSetJson.Write(RuleSetJson.Parse(written)));
        Assert.Equal(
            """
            {
              "rules": [
                {
                  "name": "x",
                  "enabled": true,
                  "match": "all",
                  "conditions": [],
                  "actions": {
                    "queue": "first-line"
                  }
                },
                {
                  "name": "y",
                  "enabled": true,
                  "match": "any",
                  "conditions": [
                    {
                      "field": "subject",
                      "op": "regex",
                      "value": "a\\d+"
                    },
                    {
                      "field": "header",
                      "name": "X-Prio",
                      "op": "equals",
                      "value": "1",
                      "not": true
                    },
                    {
                      "field": "isNew",
                      "not": true
                    }
                  ],
                  "actions": {
                    "status": "waiting",
                    "addTags": [
                      "b",
                      "a"
                    ],
                    "suppressAcknowledgement": true,
                    "stop": true
                  }
                }
              ]
            }

            """,
            written);
    }

    [Fact]
    public void An_empty_rule_set_is_an_empty_list()
    {
        Assert.Empty(RuleSetJson.Parse("{\"rules\": []}").Rules);
        Assert.Equal("{\n  \"rules\": []\n}\n", RuleSetJson.Write(RuleSet.Empty));
    }

    [Fact]
    public void Every_problem_is_listed_with_its_path_not_just_the_first()
    {
        var json = Of(
            Rule("ok", "{'field': 'subject', 'op': 'contains', 'value': 'a'}", "'queue': 'q'"),
            Rule("", "{'field': 'subject', 'op': 'contains', 'value': 'a'}", "'queue': 'q'"),
            Rule("third", "{'field': 'subject', 'op': 'matches', 'value': 'a'}, {'field': 'body', 'op': 'regex', 'value': '([a-'}", "'status': 'closed', 'colour': 'red'"),
            Rule("OK", "{'field': 'weather', 'op': 'equals', 'value': 'rain'}", "'queue': 'line1\\r\\nBcc: victim@example.com'"));

        var problems = Problems(json);

        Assert.Equal(
            [
                "rules[1].name",
                "rules[2].conditions[0].op",
                "rules[2].conditions[1].value",
                "rules[2].actions.colour",
                "rules[2].actions.status",
                "rules[3].conditions[0].field",
                "rules[3].actions.queue",
                "rules[3].name",
            ],
            problems.Select(p => p.Field));
        Assert.Contains("rules[2].conditions[0].op: 'matches' is not one of contains, equals, regex.", problems.Select(p => p.ToString()));
        Assert.Contains("rules[2].actions.status: 'closed' is not one of new, updated, waiting, solved.", problems.Select(p => p.ToString()));
        Assert.Contains("does not compile", Single(problems, "rules[2].conditions[1].value"));
        Assert.Contains("rules[0]", Single(problems, "rules[3].name"));
        Assert.Contains("line break", Single(problems, "rules[3].actions.queue"));

        var refusal = Assert.Throws<RulesException>(() => RuleSetJson.Parse(json));
        Assert.StartsWith("the rules have 8 problems: ", refusal.Message);
        Assert.Equal(problems, refusal.Errors);
    }

    [Theory]
    [InlineData("not json", "$", "not valid JSON")]
    [InlineData("[]", "$", "must be an object")]
    [InlineData("{}", "rules", "is missing")]
    [InlineData("{\"rules\": {}}", "rules", "must be a list")]
    [InlineData("{\"rules\": [], \"version\": 2}", "version", "unknown field")]
    [InlineData("{\"rules\": [], \"rules\": []}", "rules", "given twice")]
    [InlineData("{\"rules\": [42]}", "rules[0]", "must be an object")]
    public void The_document_shape_is_checked(string json, string path, string message)
    {
        var problem = Assert.Single(Problems(json));
        Assert.Equal(path, problem.Field);
        Assert.Contains(message, problem.Message);
    }

    [Theory]
    [InlineData("{'name': 'r', 'condition': [], 'conditions': [], 'actions': {'queue': 'q'}}", "rules[0].condition", "unknown field")]
    [InlineData("{'name': 'r', 'Enabled': false, 'conditions': [], 'actions': {'queue': 'q'}}", "rules[0].Enabled", "did you mean 'enabled'")]
    [InlineData("{'conditions': [], 'actions': {'queue': 'q'}}", "rules[0].name", "is missing")]
    [InlineData("{'name': '   ', 'conditions': [], 'actions': {'queue': 'q'}}", "rules[0].name", "is empty")]
    [InlineData("{'name': ' r', 'conditions': [], 'actions': {'queue': 'q'}}", "rules[0].name", "spaces at either end")]
    [InlineData("{'name': 7, 'conditions': [], 'actions': {'queue': 'q'}}", "rules[0].name", "must be a string")]
    [InlineData("{'name': 'r', 'enabled': 'yes', 'conditions': [], 'actions': {'queue': 'q'}}", "rules[0].enabled", "true or false")]
    [InlineData("{'name': 'r', 'match': 'most', 'conditions': [], 'actions': {'queue': 'q'}}", "rules[0].match", "'most' is not one of all, any")]
    [InlineData("{'name': 'r', 'actions': {'queue': 'q'}}", "rules[0].conditions", "is missing")]
    [InlineData("{'name': 'r', 'match': 'any', 'conditions': [], 'actions': {'queue': 'q'}}", "rules[0].conditions", "never matches")]
    [InlineData("{'name': 'r', 'conditions': []}", "rules[0].actions", "is missing")]
    [InlineData("{'name': 'r', 'conditions': [], 'actions': {}}", "rules[0].actions", "does nothing")]
    [InlineData("{'name': 'r', 'conditions': [], 'actions': {'stop': false}}", "rules[0].actions", "does nothing")]
    [InlineData("{'name': 'r', 'conditions': [], 'actions': []}", "rules[0].actions", "must be an object")]
    public void Rule_fields_are_checked(string rule, string path, string message) => AssertOneProblem(rule, path, message);

    [Theory]
    [InlineData("{'op': 'contains', 'value': 'x'}", "rules[0].conditions[0].field", "is missing")]
    [InlineData("{'field': 'subject', 'value': 'x'}", "rules[0].conditions[0].op", "is missing")]
    [InlineData("{'field': 'subject', 'op': 'contains'}", "rules[0].conditions[0].value", "is missing")]
    [InlineData("{'field': 'subject', 'op': 'contains', 'value': ''}", "rules[0].conditions[0].value", "matches every message")]
    [InlineData("{'field': 'subject', 'op': 'regex', 'value': ''}", "rules[0].conditions[0].value", "matches every message")]
    [InlineData("{'field': 'subject', 'op': 'equals', 'value': 'x '}", "rules[0].conditions[0].value", "would never match")]
    [InlineData("{'field': 'subject', 'op': 'regex', 'value': '(?<open'}", "rules[0].conditions[0].value", "does not compile")]
    [InlineData("{'field': 'subject', 'op': 'contains', 'value': 3}", "rules[0].conditions[0].value", "must be a string")]
    [InlineData("{'field': 'subject', 'op': 'contains', 'value': 'x', 'not': 1}", "rules[0].conditions[0].not", "true or false")]
    [InlineData("{'field': 'subject', 'op': 'contains', 'value': 'x', 'negate': true}", "rules[0].conditions[0].negate", "unknown field")]
    [InlineData("{'field': 'header', 'op': 'contains', 'value': 'x'}", "rules[0].conditions[0].name", "is missing")]
    [InlineData("{'field': 'header', 'name': 'X Prio:', 'op': 'contains', 'value': 'x'}", "rules[0].conditions[0].name", "is not a header name")]
    [InlineData("{'field': 'subject', 'name': 'X-Prio', 'op': 'contains', 'value': 'x'}", "rules[0].conditions[0].name", "only 'header' conditions")]
    [InlineData("{'field': 'isNew', 'op': 'equals'}", "rules[0].conditions[0].op", "true or false by itself")]
    [InlineData("{'field': 'contactKnown', 'value': 'false'}", "rules[0].conditions[0].value", "takes no value")]
    [InlineData("{'field': 'hasAttachments', 'name': 'x'}", "rules[0].conditions[0].name", "takes no name")]
    [InlineData("'subject'", "rules[0].conditions[0]", "must be an object")]
    [InlineData("{'field': 'subject', 'op': 'contains', 'value': 'x', 'fullBody': true}", "rules[0].conditions[0].fullBody", "only 'body' conditions")]
    [InlineData("{'field': 'body', 'op': 'contains', 'value': 'x', 'fullBody': 'yes'}", "rules[0].conditions[0].fullBody", "true or false")]
    public void Conditions_are_checked(string condition, string path, string message) =>
        AssertOneProblem($"{{'name': 'r', 'conditions': [{condition}], 'actions': {{'queue': 'q'}}}}", path, message);

    [Theory]
    [InlineData("'queue': ''", "rules[0].actions.queue", "is empty")]
    [InlineData("'priority': 'high\\n'", "rules[0].actions.priority", "line break")]
    [InlineData("'category': 'a\\u0000b'", "rules[0].actions.category", "control character")]
    [InlineData("'assignee': 5", "rules[0].actions.assignee", "must be a string")]
    [InlineData("'status': 'open'", "rules[0].actions.status", "'open' is not one of new, updated, waiting, solved")]
    [InlineData("'addTags': 'vip'", "rules[0].actions.addTags", "must be a list")]
    [InlineData("'addTags': ['vip', 'VIP']", "rules[0].actions.addTags[1]", "listed twice")]
    [InlineData("'addTags': ['ok', 'x\\r\\ny']", "rules[0].actions.addTags[1]", "line break")]
    [InlineData("'addTags': [true]", "rules[0].actions.addTags[0]", "must be a string")]
    [InlineData("'stop': 'yes'", "rules[0].actions.stop", "true or false")]
    [InlineData("'suppressAcknowledgment': true", "rules[0].actions.suppressAcknowledgment", "unknown field")]
    public void Actions_are_checked(string actions, string path, string message) =>
        AssertOneProblem($"{{'name': 'r', 'conditions': [], 'actions': {{{actions}}}}}", path, message);

    [Fact]
    public void Rule_names_are_unique_ignoring_case_even_when_the_duplicate_has_other_problems()
    {
        var problems = Problems(Of(
            Rule("Billing", "", "'queue': 'b'"),
            Rule("billing", "{'field': 'nope'}", "'queue': 'b'")));

        Assert.Equal(["rules[1].conditions[0].field", "rules[1].name"], problems.Select(p => p.Field));
    }

    [Fact]
    public void Statuses_and_other_words_are_read_in_any_case_and_written_in_one()
    {
        var set = RuleSetJson.Parse(Of(Rule("r", "{'field': 'SenderDomain', 'op': 'EQUALS', 'value': 'x.example'}", "'status': 'SOLVED'", match: "Any")));

        Assert.Equal(IncidentStatus.Solved, set.Rules[0].Actions.Status);
        Assert.Equal(RuleMatch.Any, set.Rules[0].Match);
        Assert.Equal((ConditionField.SenderDomain, ConditionOp.Equals), (set.Rules[0].Conditions[0].Field, set.Rules[0].Conditions[0].Op!.Value));
        Assert.Contains("\"status\": \"solved\"", RuleSetJson.Write(set));
    }

    [Fact]
    public void Condition_values_may_span_lines_since_they_never_reach_a_header()
    {
        var set = RuleSetJson.Parse(Of(Rule("r", "{'field': 'body', 'op': 'contains', 'value': 'kind regards\\nbob'}", "'queue': 'q'")));
        Assert.Equal("kind regards\nbob", set.Rules[0].Conditions[0].Value);
    }

    [Fact]
    public void TryParse_returns_the_problems_instead_of_throwing()
    {
        Assert.Null(RuleSetJson.TryParse("{}", out var problems));
        Assert.Equal("rules", Assert.Single(problems).Field);
        Assert.NotNull(RuleSetJson.TryParse("{\"rules\": []}", out var none));
        Assert.Empty(none);
    }

    private static void AssertOneProblem(string rule, string path, string message)
    {
        var problems = Problems(Of(rule));
        var problem = Assert.Single(problems);
        Assert.Equal(path, problem.Field);
        Assert.Contains(message, problem.Message);
    }

    private static IReadOnlyList<Techmail.Mailboxes.ValidationError> Problems(string json)
    {
        Assert.Null(RuleSetJson.TryParse(json, out var problems));
        return problems;
    }

    private static string Single(IReadOnlyList<Techmail.Mailboxes.ValidationError> problems, string path) =>
        Assert.Single(problems, p => p.Field == path).Message;
}
