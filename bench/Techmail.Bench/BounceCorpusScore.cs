using Techmail.Bounces;

namespace Techmail.Bench;

/// <summary>
/// Scores the bounce classifier against the shared corpus (`shared/corpus/bounces` beside the repository):
/// per expected recipient, whether the recipient was found and the reason and hard/soft answer agree.
/// </summary>
public sealed record BounceCorpusScore(IReadOnlyList<BounceCorpusScore.Row> Rows)
{
    public sealed record Row(string File, string Recipient, string ExpectedStatus, string ExpectedReason, string ExpectedHard, BouncedRecipient? Found)
    {
        public bool ReasonAgrees => Found is not null && BounceReasons.ToLabel(Found.Reason) == ExpectedReason;

        public bool HardAgrees => Found is not null && Hard(Found.HardBounce) == ExpectedHard;
    }

    public double Reason => Rows.Count(r => r.ReasonAgrees) / (double)Rows.Count;

    public double Recipient => Rows.Count(r => r.Found is not null) / (double)Rows.Count;

    public double HardSoft => Rows.Count(r => r.HardAgrees) / (double)Rows.Count;

    public static BounceCorpusScore Measure(string corpus, BounceClassifier classifier)
    {
        var results = new Dictionary<string, BounceClassification>(StringComparer.Ordinal);
        var rows = new List<Row>();
        foreach (var line in File.ReadLines(Path.Combine(corpus, "expected.tsv")).Skip(1))
        {
            var cells = line.Split('\t');
            if (cells.Length < 4)
            {
                continue;
            }

            var (file, recipient, status, reason, hard) = (cells[0], cells[1], cells[2], cells[3], cells.Length > 4 ? cells[4].Trim() : "");
            if (!results.TryGetValue(file, out var result))
            {
                results[file] = result = classifier.Classify(File.ReadAllBytes(Path.Combine(corpus, "samples", file)));
            }

            var found = result.Recipients.FirstOrDefault(r => string.Equals(r.Recipient, recipient, StringComparison.OrdinalIgnoreCase));
            rows.Add(new Row(file, recipient, status, reason, hard, found));
        }

        return new BounceCorpusScore(rows);
    }

    /// <summary>The corpus directory, looked for in and beside every folder above <paramref name="start"/>.</summary>
    public static string? Find(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            foreach (var candidate in new[] { Path.Combine(dir.FullName, "shared", "corpus", "bounces"), Path.Combine(dir.FullName, "..", "shared", "corpus", "bounces") })
            {
                if (File.Exists(Path.Combine(candidate, "expected.tsv")) && Directory.Exists(Path.Combine(candidate, "samples")))
                {
                    return Path.GetFullPath(candidate);
                }
            }
        }

        return null;
    }

    public static string Hard(bool? hard) => hard switch { true => "1", false => "0", null => "" };
}
