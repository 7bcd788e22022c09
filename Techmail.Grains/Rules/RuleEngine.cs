using Techmail.Incidents;

namespace Techmail.Rules;

/// <summary>
/// Runs a rule set over one message. Rules run in order; a disabled rule is skipped; a fired rule's settings replace
/// what earlier rules set, its tags are added to theirs, and <c>stop</c> ends the run once its own actions are applied.
/// </summary>
public static class RuleEngine
{
    public static RuleOutcome Evaluate(RuleSet rules, RuleInput input)
    {
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(input);

        var outcome = new Accumulator();
        var budget = new RegexBudget();
        var trace = new List<RuleTrace>(rules.Rules.Count);
        var stopped = false;
        foreach (var rule in rules.Rules)
        {
            if (stopped || !rule.Enabled)
            {
                trace.Add(new RuleTrace(rule.Name, stopped ? RuleVerdict.NotReached : RuleVerdict.Disabled, []));
                continue;
            }

            var (fired, conditions) = Test(rule, input, budget);
            trace.Add(new RuleTrace(rule.Name, fired ? RuleVerdict.Fired : RuleVerdict.NotMatched, conditions));
            if (fired)
            {
                outcome.Apply(rule);
                stopped = rule.Actions.Stop;
            }
        }

        return outcome.ToOutcome(trace);
    }

    private static (bool Fired, IReadOnlyList<ConditionTrace> Conditions) Test(Rule rule, RuleInput input, RegexBudget budget)
    {
        // "all" of no conditions holds: the parser only lets an empty list through with "all", as a rule for every message.
        var decided = rule.Match == RuleMatch.All;
        var results = new List<ConditionTrace>(rule.Conditions.Count);
        bool? fired = null;
        foreach (var condition in rule.Conditions)
        {
            if (fired is not null)
            {
                results.Add(new ConditionTrace(condition.Describe(), ConditionResult.Skipped));
                continue;
            }

            var result = Test(condition, input, budget);
            results.Add(new ConditionTrace(condition.Describe(), result));
            var holds = result == ConditionResult.Matched;
            // The first failure decides "all", the first success decides "any".
            if (holds != decided)
            {
                fired = holds;
            }
        }

        return (fired ?? decided, results);
    }

    private static ConditionResult Test(RuleCondition condition, RuleInput input, RegexBudget budget)
    {
        bool matched;
        if (condition.IsFlag)
        {
            matched = RuleConditionText.Flag(condition.Field, input);
        }
        else
        {
            matched = false;
            var op = condition.Op!.Value;
            if (op == ConditionOp.Regex && budget.Spent)
            {
                return ConditionResult.TimedOut;
            }

            foreach (var text in RuleConditionText.Values(condition, input))
            {
                var hit = RuleConditionText.Matches(op, condition.Value!, condition.Pattern, text);
                if (hit is null)
                {
                    budget.Spent = true;
                    // Unknown is not "no match": counting it false even under "not" keeps a timeout from firing a rule.
                    return ConditionResult.TimedOut;
                }

                if (hit.Value)
                {
                    matched = true;
                    break;
                }
            }
        }

        return matched != condition.Negate ? ConditionResult.Matched : ConditionResult.NotMatched;
    }

    /// <summary>
    /// One regex timeout per message at most: after the first, every later regex condition of the same run counts as
    /// timed out without running, so a hostile pattern (or many) costs intake one timeout, not one per rule.
    /// </summary>
    private sealed class RegexBudget
    {
        public bool Spent { get; set; }
    }

    private sealed class Accumulator
    {
        private readonly List<string> _tags = [];
        private readonly HashSet<string> _seenTags = new(StringComparer.OrdinalIgnoreCase);
        private readonly List<string> _fired = [];
        private string? _queue;
        private string? _priority;
        private string? _category;
        private IncidentStatus? _status;
        private string? _assignee;
        private bool _suppress;

        public void Apply(Rule rule)
        {
            var a = rule.Actions;
            _fired.Add(rule.Name);
            _queue = a.Queue ?? _queue;
            _priority = a.Priority ?? _priority;
            _category = a.Category ?? _category;
            _status = a.Status ?? _status;
            _assignee = a.Assignee ?? _assignee;
            // Once any rule asks for no acknowledgement, a later rule cannot ask for one back: false means "not said".
            _suppress |= a.SuppressAcknowledgement;
            foreach (var tag in a.Tags)
            {
                if (_seenTags.Add(tag))
                {
                    _tags.Add(tag);
                }
            }
        }

        public RuleOutcome ToOutcome(IReadOnlyList<RuleTrace> trace) =>
            new(_queue, _priority, _category, _status, _assignee, _tags, _suppress, _fired, trace);
    }
}
