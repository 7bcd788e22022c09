using Techmail.Bounces;

namespace Techmail.Tests.Support;

/// <summary>
/// Scores the bounce classifier against a corpus of bounces with expected answers (`samples/*.eml` and
/// `expected.tsv`: file, recipient, status, reason, hardbounce): per expected recipient, whether it was found and
/// whether the reason and the hard/soft answer agree. The test suite and `bench/run-classify` both score with it.
/// </summary>
public sealed record BounceCorpusScore(string Name, IReadOnlyList<BounceCorpusScore.Row> Rows)
{
    /// <summary>The development corpus, in the repository with its licence.</summary>
    public static string Development => Path.Combine(RepoPaths.Root, "tests", "fixtures", "bounces");

    /// <summary>Bounces written here by real MTAs on loopback, with the answer each situation implies.</summary>
    public static string Generated => Path.Combine(RepoPaths.Root, "tests", "fixtures", "bounces-generated");

    /// <summary>The corpora present in this checkout that carry expected answers, development first.</summary>
    public static IReadOnlyList<string> Present() =>
        new[] { Development, Generated }.Where(HasAnswers).ToList();

    public static bool HasAnswers(string corpus) =>
        File.Exists(Path.Combine(corpus, "expected.tsv")) && Directory.Exists(Path.Combine(corpus, "samples"));

    public sealed record Row(string File, string Recipient, string ExpectedStatus, string ExpectedReason, string ExpectedHard, BouncedRecipient? Found)
    {
        public bool ReasonAgrees => Found is not null && BounceReasons.ToLabel(Found.Reason) == ExpectedReason;

        public bool HardAgrees => Found is not null && Hard(Found.HardBounce) == ExpectedHard;

        /// <summary>A good address we would invalidate: we say hard, the answer is soft or no failure at all.</summary>
        public bool FalseHard => Found?.HardBounce == true && ExpectedHard != "1";

        /// <summary>A dead address we would keep mailing: the answer is hard and we say otherwise, or miss it.</summary>
        public bool FalseSoft => ExpectedHard == "1" && Found?.HardBounce != true;
    }

    public double Reason => Share(Rows.Count(r => r.ReasonAgrees), Rows.Count);

    public double Recipient => Share(Rows.Count(r => r.Found is not null), Rows.Count);

    public double HardSoft => Share(Rows.Count(r => r.HardAgrees), Rows.Count);

    /// <summary>Recipients whose answer is not a hard bounce: the addresses a false hard bounce would wrongly invalidate.</summary>
    public int NotHard => Rows.Count(r => r.ExpectedHard != "1");

    public int ExpectedHardCount => Rows.Count(r => r.ExpectedHard == "1");

    /// <summary>False hard bounces among the recipients whose answer is not hard.</summary>
    public double FalseHard => Share(Rows.Count(r => r.FalseHard), NotHard);

    /// <summary>False soft answers (or missed recipients) among the recipients whose answer is hard.</summary>
    public double FalseSoft => Share(Rows.Count(r => r.FalseSoft), ExpectedHardCount);

    /// <summary>One line of expected.tsv: the answer for one recipient of one sample.</summary>
    public sealed record Expectation(int Line, string File, string Recipient, string Status, string Reason, string Hard);

    public const string Header = "file\trecipient\tstatus\treason\thardbounce";

    /// <summary>
    /// Reads a corpus' expected.tsv (blank lines and lines starting with '#' are skipped). A missing header or a line
    /// without its five columns is an error naming the file and line, so a damaged answer file is never scored.
    /// </summary>
    public static IReadOnlyList<Expectation> ReadExpected(string corpus)
    {
        var path = Path.Combine(corpus, "expected.tsv");
        var expectations = new List<Expectation>();
        var number = 0;
        foreach (var line in File.ReadLines(path))
        {
            number++;
            if (number == 1)
            {
                if (line.TrimEnd() != Header)
                {
                    throw new FormatException($"{path} line 1: the header must be file, recipient, status, reason, hardbounce separated by tabs.");
                }

                continue;
            }

            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var cells = line.Split('\t');
            if (cells.Length != 5)
            {
                throw new FormatException($"{path} line {number}: {cells.Length} columns where file, recipient, status, reason, hardbounce are expected.");
            }

            expectations.Add(new Expectation(number, cells[0], cells[1], cells[2], cells[3], cells[4].Trim()));
        }

        return expectations;
    }

    public static BounceCorpusScore Measure(string corpus, BounceClassifier classifier)
    {
        var results = new Dictionary<string, BounceClassification>(StringComparer.Ordinal);
        var rows = new List<Row>();
        foreach (var expected in ReadExpected(corpus))
        {
            if (!results.TryGetValue(expected.File, out var result))
            {
                results[expected.File] = result = classifier.Classify(File.ReadAllBytes(Path.Combine(corpus, "samples", expected.File)));
            }

            var found = result.Recipients.FirstOrDefault(r => string.Equals(r.Recipient, expected.Recipient, StringComparison.OrdinalIgnoreCase));
            rows.Add(new Row(expected.File, expected.Recipient, expected.Status, expected.Reason, expected.Hard, found));
        }

        return new BounceCorpusScore(Path.GetFileName(Path.TrimEndingDirectorySeparator(corpus)), rows);
    }

    public const double ReasonFloor = 0.97;

    public const double RecipientFloor = 0.995;

    public const double HardSoftFloor = 0.99;

    public const double FalseHardCeiling = 0.005;

    /// <summary>
    /// What the classifier must reach on every corpus with answers (issue 19): agreement floors, and a ceiling on
    /// false hard bounces, since each one invalidates a customer's good address.
    /// </summary>
    public IReadOnlyList<string> Shortfalls()
    {
        var shortfalls = new List<string>();
        if (Rows.Count == 0)
        {
            shortfalls.Add("no expected rows read");
        }

        void Floor(string what, double value, double floor)
        {
            if (value < floor)
            {
                shortfalls.Add($"{what} {100 * value:F1}% is under {100 * floor:F1}%");
            }
        }

        Floor("reason agreement", Reason, ReasonFloor);
        Floor("recipient agreement", Recipient, RecipientFloor);
        Floor("hard/soft agreement", HardSoft, HardSoftFloor);
        if (FalseHard > FalseHardCeiling)
        {
            shortfalls.Add($"false hard {100 * FalseHard:F2}% is over {100 * FalseHardCeiling:F1}%");
        }

        return shortfalls;
    }

    /// <summary>One line of figures, as the benchmark prints them and the test reports them.</summary>
    public string Summary() =>
        $"{Name}: {Rows.Count} recipients; reason {100 * Reason:F1}%, recipient {100 * Recipient:F1}%, hard/soft {100 * HardSoft:F1}%, "
        + $"false hard {100 * FalseHard:F2}% ({Rows.Count(r => r.FalseHard)} of {NotHard} not hard), "
        + $"false soft {100 * FalseSoft:F2}% ({Rows.Count(r => r.FalseSoft)} of {ExpectedHardCount} hard)";

    public static string Hard(bool? hard) => hard switch { true => "1", false => "0", null => "" };

    private static double Share(int part, int whole) => whole == 0 ? 0 : part / (double)whole;
}
