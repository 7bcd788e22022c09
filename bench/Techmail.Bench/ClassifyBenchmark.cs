using System.Diagnostics;
using MimeKit;
using Techmail.Bounces;

namespace Techmail.Bench;

/// <summary>
/// Bounce classification on the shared corpus, on one core: messages per second for the full classifier,
/// against parsing alone (MimeKit) measured in the same run, plus agreement with the expected answers per reason.
/// </summary>
public static class ClassifyBenchmark
{
    public static int Run(string[] args)
    {
        var corpus = args.Length > 0 ? args[0] : FindCorpus();
        var files = Directory.GetFiles(Path.Combine(corpus, "samples"), "*.eml").Order(StringComparer.Ordinal).ToArray();
        var raws = files.Select(File.ReadAllBytes).ToArray();
        var classifier = new BounceClassifier();
        Console.WriteLine($"Corpus: {files.Length} messages from {corpus}; one thread.");

        Agreement(corpus, files, raws, classifier);

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

    private static void Agreement(string corpus, string[] files, byte[][] raws, BounceClassifier classifier)
    {
        var results = files.Select((f, i) => (Name: Path.GetFileName(f), Result: classifier.Classify(raws[i]))).ToDictionary(x => x.Name, x => x.Result);
        var rows = File.ReadAllLines(Path.Combine(corpus, "expected.tsv")).Skip(1).Select(l => l.Split('\t')).Where(c => c.Length >= 5).ToList();
        var perReason = new SortedDictionary<string, (int Total, int Right)>(StringComparer.Ordinal);
        int recipients = 0, reasons = 0, hardness = 0;
        foreach (var c in rows)
        {
            var (file, recipient, reason, hard) = (c[0], c[1], c[3], c[4]);
            var found = results.TryGetValue(file, out var r)
                ? r.Recipients.FirstOrDefault(x => string.Equals(x.Recipient, recipient, StringComparison.OrdinalIgnoreCase))
                : null;
            var reasonRight = found is not null && BounceReasons.ToLabel(found.Reason) == reason;
            var expectedHard = hard switch { "1" => (bool?)true, "0" => false, _ => null };
            recipients += found is not null ? 1 : 0;
            reasons += reasonRight ? 1 : 0;
            hardness += found is not null && found.HardBounce == expectedHard ? 1 : 0;
            var (total, right) = perReason.GetValueOrDefault(reason);
            perReason[reason] = (total + 1, right + (reasonRight ? 1 : 0));
        }

        Console.WriteLine($"Agreement over {rows.Count} expected recipients: reason {100.0 * reasons / rows.Count:F1}%, recipient {100.0 * recipients / rows.Count:F1}%, hard/soft {100.0 * hardness / rows.Count:F1}%");
        Console.WriteLine($"{"reason",-18} {"expected",8} {"agree",6} {"%",6}");
        foreach (var (reason, (total, right)) in perReason)
        {
            Console.WriteLine($"{reason,-18} {total,8} {right,6} {100.0 * right / total,6:F1}");
        }
    }

    private static string FindCorpus()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            foreach (var candidate in new[] { Path.Combine(dir.FullName, "shared", "corpus", "bounces"), Path.Combine(dir.FullName, "..", "shared", "corpus", "bounces") })
            {
                if (File.Exists(Path.Combine(candidate, "expected.tsv")))
                {
                    return Path.GetFullPath(candidate);
                }
            }
        }

        throw new DirectoryNotFoundException("shared/corpus/bounces not found beside the repository; pass its path.");
    }
}
