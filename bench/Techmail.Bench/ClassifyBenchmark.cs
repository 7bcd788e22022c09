using System.Diagnostics;
using MimeKit;
using Techmail.Bounces;
using Techmail.Tests.Support;

namespace Techmail.Bench;

/// <summary>
/// Bounce classification on one core: agreement with the expected answers of each corpus (the development corpus
/// in tests/fixtures/bounces and, when present, the generated one in tests/fixtures/bounces-generated), with false
/// hard and false soft rates apart; then messages per second for the full classifier on the development corpus,
/// against parsing alone (MimeKit) measured in the same run.
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
        var corpora = args.Length > 0 ? args : BounceCorpusScore.Present();
        var missing = corpora.Count == 0 ? BounceCorpusScore.Development : corpora.FirstOrDefault(c => !BounceCorpusScore.HasAnswers(c));
        if (missing is not null)
        {
            Console.WriteLine($"FAILED: no samples/ and expected.tsv at {missing}");
            return 1;
        }

        var classifier = new BounceClassifier();
        var failures = new List<string>();
        foreach (var corpus in corpora)
        {
            var score = BounceCorpusScore.Measure(corpus, classifier);
            Print(corpus, score);
            if (mismatches)
            {
                Mismatches(score);
            }

            failures.AddRange(score.Shortfalls().Select(s => $"{score.Name}: {s}"));
        }

        if (!noSpeed)
        {
            failures.AddRange(Speed(corpora[0], classifier));
        }

        if (failures.Count > 0)
        {
            Console.WriteLine($"FAILED: {string.Join("; ", failures)}");
            return 1;
        }

        return 0;
    }

    /// <summary>Messages per second on one core, the classifier against MimeKit's parse alone; the shortfall, if any.</summary>
    private static IEnumerable<string> Speed(string corpus, BounceClassifier classifier)
    {
        var files = Directory.GetFiles(Path.Combine(corpus, "samples"), "*.eml").Order(StringComparer.Ordinal).ToArray();
        var raws = files.Select(File.ReadAllBytes).ToArray();
        Console.WriteLine();
        Console.WriteLine($"Speed: {files.Length} messages from {corpus}; one thread.");
        const int rounds = 5;
        var parse = new List<Rate>();
        var classify = new List<Rate>();
        for (var round = 0; round < rounds; round++)
        {
            parse.Add(Throughput(raws, raw => MimeMessage.Load(new MemoryStream(raw, false), persistent: true).Subject?.Length ?? 0));
            classify.Add(Throughput(raws, raw => classifier.Classify(raw).Recipients.Count));
        }

        // Per wall-clock second, and per second of this process's CPU time: on a machine shared with other work the
        // process waits for the core, which the wall clock counts and the CPU time does not.
        var parseMedian = parse.Select(r => r.PerSecond).Order().ElementAt(rounds / 2);
        var classifyMedian = classify.Select(r => r.PerSecond).Order().ElementAt(rounds / 2);
        var parseCpu = parse.Select(r => r.PerCpuSecond).Order().ElementAt(rounds / 2);
        var classifyCpu = classify.Select(r => r.PerCpuSecond).Order().ElementAt(rounds / 2);
        Console.WriteLine($"{"path",-34} {"median msg/s",13} {"msg/CPU-s",10}  rounds (msg/s)");
        Console.WriteLine($"{"MimeKit parse only (floor)",-34} {parseMedian,13:N0} {parseCpu,10:N0}  {string.Join(" ", parse.Select(p => p.PerSecond.ToString("N0")))}");
        Console.WriteLine($"{"BounceClassifier.Classify(raw)",-34} {classifyMedian,13:N0} {classifyCpu,10:N0}  {string.Join(" ", classify.Select(p => p.PerSecond.ToString("N0")))}");
        Console.WriteLine($"classifier / parse-only: {classifyMedian / parseMedian:F2} (CPU time: {classifyCpu / parseCpu:F2}); against the reference classifier's ~1,300 msg/s: {classifyMedian / 1300:F1}x (CPU time: {classifyCpu / 1300:F1}x)");
        if (Math.Max(classifyMedian, classifyCpu) < 5 * 1300)
        {
            yield return $"{classifyCpu:N0} msg per CPU-second is under 5x the reference classifier (6,500 msg/s)";
        }
    }

    private readonly record struct Rate(double PerSecond, double PerCpuSecond);

    private static Rate Throughput(byte[][] raws, Func<byte[], int> work)
    {
        var sink = 0;
        var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
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

        var wall = watch.Elapsed.TotalSeconds;
        process.Refresh();
        var cpu = (process.TotalProcessorTime - cpuBefore).TotalSeconds;
        GC.KeepAlive(sink);
        return new Rate(count / wall, count / Math.Max(cpu, 1e-3));
    }

    private static void Print(string corpus, BounceCorpusScore score)
    {
        Console.WriteLine($"Corpus {corpus}");
        Console.WriteLine(score.Summary());
        Console.WriteLine($"{"reason",-18} {"expected",8} {"agree",6} {"%",6}");
        foreach (var group in score.Rows.GroupBy(r => r.ExpectedReason).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var right = group.Count(r => r.ReasonAgrees);
            Console.WriteLine($"{group.Key,-18} {group.Count(),8} {right,6} {100.0 * right / group.Count(),6:F1}");
        }

        Console.WriteLine();
    }

    private static void Mismatches(BounceCorpusScore score)
    {
        var wrong = score.Rows.Where(r => !r.ReasonAgrees || !r.HardAgrees).ToList();
        Console.WriteLine($"{wrong.Count} disagreeing rows (expected reason/hard/status => produced reason/hard/status/reply: diagnostic):");
        foreach (var row in wrong)
        {
            Console.WriteLine($"{row.File}\t{row.Recipient}");
            var found = row.Found;
            var produced = found is null
                ? "recipient not found"
                : $"{BounceReasons.ToLabel(found.Reason)}/{BounceCorpusScore.Hard(found.HardBounce)}/{found.Status}/{found.ReplyCode}: {Shorten(found.Diagnostic)}";
            Console.WriteLine($"    expected {row.ExpectedReason}/{row.ExpectedHard}/{row.ExpectedStatus} => {produced}{(row.FalseHard ? "  FALSE HARD" : row.FalseSoft ? "  FALSE SOFT" : "")}");
        }

        Console.WriteLine();
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
