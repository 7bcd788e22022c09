using Techmail.Bounces;
using Techmail.Tests.Support;
using Xunit.Abstractions;

namespace Techmail.Tests.Bounces;

/// <summary>
/// The classifier against the corpora of real bounces the repository holds, with their expected answers: the
/// development corpus (tests/fixtures/bounces) and the one real MTAs wrote here (tests/fixtures/bounces-generated).
/// Both are held to issue 19's targets with the one scorer the benchmark uses; a false hard bounce is held apart
/// because it invalidates a good address.
/// </summary>
public sealed class BounceCorpusTests(ITestOutputHelper output)
{
    public static TheoryData<string> Corpora()
    {
        // Both corpora by name, not whatever is present: a corpus gone missing must fail, not drop out of the test.
        return new TheoryData<string>(Path.GetFileName(BounceCorpusScore.Development), Path.GetFileName(BounceCorpusScore.Generated));
    }

    [Fact]
    public void The_development_corpus_is_in_the_repository()
    {
        var corpus = BounceCorpusScore.Development;
        Assert.True(BounceCorpusScore.HasAnswers(corpus), $"{corpus} has no samples/ and expected.tsv");
        Assert.True(File.Exists(Path.Combine(corpus, "LICENSE-sisimai.txt")), "the corpus travels with its licence");
        var expectedFiles = File.ReadLines(Path.Combine(corpus, "expected.tsv")).Skip(1).Select(l => l.Split('\t')[0]).ToHashSet();
        Assert.All(expectedFiles, file => Assert.True(File.Exists(Path.Combine(corpus, "samples", file)), $"{file} is missing"));
        Assert.True(expectedFiles.Count >= 300, $"only {expectedFiles.Count} messages have expected answers");
    }

    [Fact]
    public void A_damaged_answer_file_is_an_error_naming_its_line()
    {
        using var corpus = new TempDirectory("bounce-corpus");
        File.WriteAllText(corpus.File("expected.tsv"), BounceCorpusScore.Header + "\na.eml\tx@example.com\t5.1.1\tuserunknown\t1\nb.eml\ty@example.com\tuserunknown\n");
        var error = Assert.Throws<FormatException>(() => BounceCorpusScore.ReadExpected(corpus.Path));
        Assert.Contains("line 3", error.Message);

        File.WriteAllText(corpus.File("expected.tsv"), "a.eml\tx@example.com\t5.1.1\tuserunknown\t1\n");
        error = Assert.Throws<FormatException>(() => BounceCorpusScore.ReadExpected(corpus.Path));
        Assert.Contains("line 1", error.Message);
    }

    [Theory]
    [MemberData(nameof(Corpora))]
    public void The_classifier_meets_the_targets_on_the_corpus(string name)
    {
        Assert.True(BounceCorpusScore.HasAnswers(Path.Combine(RepoPaths.Root, "tests", "fixtures", name)), $"{name} has no samples/ and expected.tsv");
        var score = BounceCorpusScore.Measure(Path.Combine(RepoPaths.Root, "tests", "fixtures", name), new BounceClassifier());
        output.WriteLine(score.Summary());
        foreach (var row in score.Rows.Where(r => r.FalseHard))
        {
            output.WriteLine($"false hard: {row.File} {row.Recipient} expected {row.ExpectedReason}, said {row.Found?.Reason}");
        }

        Assert.True(score.Shortfalls().Count == 0, $"{score.Summary()}: {string.Join("; ", score.Shortfalls())}");
    }
}
