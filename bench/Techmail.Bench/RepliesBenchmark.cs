using System.Diagnostics;
using System.Text.RegularExpressions;
using Techmail.Incidents.Parsing;
using Techmail.Tests.Support;

namespace Techmail.Bench;

/// <summary>
/// Reply extraction on the hand-written corpus (tests/fixtures/replies), on one core: agreement with the expected reply
/// texts, against a naive cut measured on the same cases (at the first "&gt;" line or "On … wrote:"), and messages per
/// second.
/// </summary>
public static partial class RepliesBenchmark
{
    public static int Run(string[] args)
    {
        var mismatches = args.Contains("--mismatches");
        var cases = ReplyCorpus.Load();
        Console.WriteLine($"Corpus: {cases.Count} replies from {ReplyCorpus.Folder} ({cases.Count(c => c.IsHtml)} HTML); one thread.");

        var wrong = cases.Where(c => !ReplyCorpus.Agrees(c.Expected, c.Extract())).ToList();
        var naive = cases.Count(c => ReplyCorpus.Agrees(c.Expected, Naive(c)));
        Console.WriteLine($"Agreement: {Percent(cases.Count - wrong.Count, cases.Count)} ({cases.Count - wrong.Count} of {cases.Count}); naive cut {Percent(naive, cases.Count)}");
        foreach (var group in cases.GroupBy(c => c.IsHtml ? "html" : "text"))
        {
            Console.WriteLine($"  {group.Key,-5} {Percent(group.Count(c => !wrong.Contains(c)), group.Count())} of {group.Count()}");
        }

        if (mismatches)
        {
            foreach (var c in wrong)
            {
                Console.WriteLine($"--- {c.Name}\n expected: {string.Join(" | ", ReplyCorpus.Significant(c.Expected))}\n actual:   {string.Join(" | ", ReplyCorpus.Significant(c.Extract()))}");
            }
        }

        // Warm-up, then rounds of the whole corpus; the median round counts.
        const int rounds = 7;
        var repeat = Math.Max(1, 20_000 / cases.Count);
        var perSecond = new List<double>();
        for (var round = -1; round < rounds; round++)
        {
            var clock = Stopwatch.StartNew();
            var length = 0;
            for (var r = 0; r < repeat; r++)
            {
                foreach (var c in cases)
                {
                    length += c.Extract().Length;
                }
            }

            clock.Stop();
            if (round >= 0 && length > 0)
            {
                perSecond.Add(repeat * cases.Count / clock.Elapsed.TotalSeconds);
            }
        }

        perSecond.Sort();
        Console.WriteLine($"Speed: {perSecond[perSecond.Count / 2]:N0} msg/s (median of {rounds} rounds of {repeat * cases.Count:N0}; min {perSecond[0]:N0}, max {perSecond[^1]:N0})");
        return 0;
    }

    /// <summary>The baseline the issue calibrates with: everything above the first "&gt;" line or "On … wrote:".</summary>
    private static string Naive(ReplyCorpus.Case c)
    {
        var text = c.IsHtml ? HtmlToText.Convert(c.Body) : c.Body;
        var kept = text.Split('\n').TakeWhile(l => !l.TrimStart().StartsWith('>') && !OnWrote().IsMatch(l));
        return string.Join('\n', kept);
    }

    private static string Percent(int part, int whole) => $"{100.0 * part / whole:F1}%";

    [GeneratedRegex(@"^\s*On\s.*wrote:\s*$")]
    private static partial Regex OnWrote();
}
