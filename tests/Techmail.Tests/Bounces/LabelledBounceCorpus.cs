using Techmail.Bounces;

namespace Techmail.Tests.Bounces;

/// <summary>
/// A bounce corpus in the development corpus' layout (samples/*.eml beside expected.tsv with the columns
/// file, recipient, status, reason, hardbounce), and how far the classifier agrees with its answers.
/// </summary>
internal sealed record LabelledBounceCorpus(string Folder, IReadOnlyList<LabelledBounceCorpus.Row> Rows)
{
    public sealed record Row(int Line, string File, string Recipient, string Status, string Reason, string HardBounce);

    public string Samples => Path.Combine(Folder, "samples");

    /// <summary>Reads expected.tsv; a line with the wrong number of columns is an error naming the line.</summary>
    public static LabelledBounceCorpus Read(string folder)
    {
        var lines = File.ReadAllLines(Path.Combine(folder, "expected.tsv"));
        if (lines.Length == 0 || lines[0] != "file\trecipient\tstatus\treason\thardbounce")
        {
            throw new InvalidDataException($"{folder}/expected.tsv: the header must be file, recipient, status, reason, hardbounce");
        }

        var rows = new List<Row>();
        for (var i = 1; i < lines.Length; i++)
        {
            var cells = lines[i].Split('\t');
            if (cells.Length != 5)
            {
                throw new InvalidDataException($"{folder}/expected.tsv line {i + 1}: {cells.Length} columns, 5 expected");
            }

            rows.Add(new Row(i + 1, cells[0], cells[1], cells[2], cells[3], cells[4]));
        }

        return new LabelledBounceCorpus(folder, rows);
    }

    public Agreement Measure(BounceClassifier classifier)
    {
        var results = Rows.Select(r => r.File).Distinct(StringComparer.Ordinal)
            .ToDictionary(f => f, f => classifier.Classify(File.ReadAllBytes(Path.Combine(Samples, f))), StringComparer.Ordinal);
        var scored = Rows.Select(row => new Scored(row, results[row.File].Recipients
            .FirstOrDefault(r => string.Equals(r.Recipient, row.Recipient, StringComparison.OrdinalIgnoreCase)))).ToList();
        return new Agreement(scored);
    }

    public sealed record Scored(Row Expected, BouncedRecipient? Found)
    {
        public bool ReasonAgrees => Found is not null && BounceReasons.ToLabel(Found.Reason) == Expected.Reason;

        public string FoundHard => Found?.HardBounce switch { true => "1", false => "0", null => "" };

        public bool HardAgrees => Found is not null && FoundHard == Expected.HardBounce;

        /// <summary>A good address the classifier would mark invalid.</summary>
        public bool FalseHard => Found?.HardBounce == true && Expected.HardBounce != "1";

        /// <summary>A dead address the classifier would keep mailing.</summary>
        public bool FalseSoft => Expected.HardBounce == "1" && Found?.HardBounce != true;
    }

    /// <summary>Shares over all expected rows (a recipient the classifier did not find agrees on nothing).</summary>
    public sealed record Agreement(IReadOnlyList<Scored> Rows)
    {
        public double Reason => Share(r => r.ReasonAgrees);

        public double Recipient => Share(r => r.Found is not null);

        public double HardSoft => Share(r => r.HardAgrees);

        public double FalseHard => Share(r => r.FalseHard);

        public double FalseSoft => Share(r => r.FalseSoft);

        private double Share(Func<Scored, bool> test) => Rows.Count(test) / (double)Rows.Count;

        public override string ToString() =>
            $"{Rows.Count} rows: reason {Reason:P1}, recipient {Recipient:P1}, hard/soft {HardSoft:P1}, " +
            $"false hard {FalseHard:P1}, false soft {FalseSoft:P1}";

        public IEnumerable<string> Disagreements() => Rows
            .Where(r => !r.ReasonAgrees || !r.HardAgrees)
            .Select(r => $"{r.Expected.File} {r.Expected.Recipient}: expected {r.Expected.Reason}/{r.Expected.HardBounce}, " +
                         (r.Found is null ? "recipient not found" : $"got {BounceReasons.ToLabel(r.Found.Reason)}/{r.FoundHard}"));
    }
}
