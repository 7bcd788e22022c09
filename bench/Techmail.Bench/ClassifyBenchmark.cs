using System.Diagnostics;
using MimeKit;
using Techmail.Bounces;
using Techmail.Tests.Support;

namespace Techmail.Bench;

/// <summary>
/// Bounce classification on the shared corpus, on one core: messages per second for the full classifier,
/// against parsing alone (MimeKit) measured in the same run, plus agreement with the expected answers per reason.
/// </summary>
public static class ClassifyBenchmark
{
    public static int Run(string[] args)
    {
        // "--mismatches" lists every disagreeing row after the summary, for working on the classifier's rules.
        var mismatches = args.Contains("--mismatches");
        // "--no-speed" stops after the agreement figures, for quick rounds of rule work.
        var noSpeed = args.Contains("--no-speed");
        args = args.Where(a => a is not ("--mismatches" or "--no-speed")).ToArray();
        var corpus = args.Length > 0 ? args[0] : BounceCorpusScore.Find(AppContext.BaseDirectory)
            ?? throw new DirectoryNotFoundException("shared/corpus/bounces not found beside the repository; pass its path.");
        var files = Directory.GetFiles(Path.Combine(corpus, "samples"), "*.eml").Order(StringComparer.Ordinal).ToArray();
        var raws = files.Select(File.ReadAllBytes).ToArray();
        var classifier = new BounceClassifier();
        Console.WriteLine($"Corpus: {files.Length} messages from {corpus}; one thread.");

        var score = Agreement(corpus, classifier);
        if (mismatches)
        {
            Mismatches(score);
        }

        // The floors the classifier has held on this corpus since it was first scored; below one, the run fails.
        var under = new[] { ("reason", score.Reason, 0.95), ("recipient", score.Recipient, 0.98), ("hard/soft", score.HardSoft, 0.98) }
            .Where(t => t.Item2 < t.Item3).Select(t => $"{t.Item1} agreement {100 * t.Item2:F1}% is under {100 * t.Item3:F0}%").ToList();
        if (score.Rows.Count < 300 || under.Count > 0)
        {
            Console.WriteLine($"FAILED: {(score.Rows.Count < 300 ? $"only {score.Rows.Count} expected rows read; " : "")}{string.Join("; ", under)}");
            return 1;
        }

        if (noSpeed)
        {
            return 0;
        }

        const int rounds = 5;
        var parse = new List<double>();
        var classify = new List<double>();
        for (var round = 0; round < rounds; round++)
        {
            parse.Add(Throughput(raws, raw => MimeMessage.Load(new MemoryStream(raw, false), persistent: true).Subject?.Length ?? 0));
            classify.Add(Throughput(raws, raw => classifier.Classify(raw).Recipients.Count));
        }

        var parseMedian = parse.Order().ElementAt(rounds / 2);
        var classifyMedian = classify.Order().ElementAt(rounds / 2);
        Console.WriteLine();
        Console.WriteLine($"{"path",-34} {"median msg/s",13}  rounds");
        Console.WriteLine($"{"MimeKit parse only (floor)",-34} {parseMedian,13:N0}  {string.Join(" ", parse.Select(p => p.ToString("N0")))}");
        Console.WriteLine($"{"BounceClassifier.Classify(raw)",-34} {classifyMedian,13:N0}  {string.Join(" ", classify.Select(p => p.ToString("N0")))}");
        Console.WriteLine($"classifier / parse-only: {classifyMedian / parseMedian:F2}; against the reference classifier's ~1,300 msg/s: {classifyMedian / 1300:F1}x");
        return 0;
    }

    private static double Throughput(byte[][] raws, Func<byte[], int> work)
    {
        var sink = 0;
        var watch = Stopwatch.StartNew();
        var count = 0;
        // Whole passes over the corpus for at least two seconds.
        while (watch.Elapsed < TimeSpan.FromSeconds(2))
        {
            foreach (var raw in raws)
            {
                sink += work(raw);
            }

            count += raws.Length;
        }

        GC.KeepAlive(sink);
        return count / watch.Elapsed.TotalSeconds;
    }

    private static BounceCorpusScore Agreement(string corpus, BounceClassifier classifier)
    {
        var score = BounceCorpusScore.Measure(corpus, classifier);
        Console.WriteLine($"Agreement over {score.Rows.Count} expected recipients: reason {100 * score.Reason:F1}%, recipient {100 * score.Recipient:F1}%, hard/soft {100 * score.HardSoft:F1}%");
        Console.WriteLine($"{"reason",-18} {"expected",8} {"agree",6} {"%",6}");
        foreach (var group in score.Rows.GroupBy(r => r.ExpectedReason).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var right = group.Count(r => r.ReasonAgrees);
            Console.WriteLine($"{group.Key,-18} {group.Count(),8} {right,6} {100.0 * right / group.Count(),6:F1}");
        }

        return score;
    }

    private static void Mismatches(BounceCorpusScore score)
    {
        var wrong = score.Rows.Where(r => !r.ReasonAgrees || !r.HardAgrees).ToList();
        Console.WriteLine();
        Console.WriteLine($"{wrong.Count} disagreeing rows (expected reason/hard/status => produced reason/hard/status/reply: diagnostic):");
        foreach (var row in wrong)
        {
            Console.WriteLine($"{row.File}\t{row.Recipient}");
            var found = row.Found;
            var produced = found is null
                ? "recipient not found"
                : $"{BounceReasons.ToLabel(found.Reason)}/{BounceCorpusScore.Hard(found.HardBounce)}/{found.Status}/{found.ReplyCode}: {Shorten(found.Diagnostic)}";
            Console.WriteLine($"    expected {row.ExpectedReason}/{row.ExpectedHard}/{row.ExpectedStatus} => {produced}");
        }
    }

    private static string Shorten(string? text)
    {
        const int limit = 220;
        if (text is null)
        {
            return "(none)";
        }

        var flat = text.ReplaceLineEndings(" ");
        return flat.Length <= limit ? flat : flat[..limit] + "...";
    }
}
