using Techmail.Bounces;
using Techmail.Tests.Support;
using Xunit.Abstractions;

namespace Techmail.Tests.Bounces;

/// <summary>
/// The classifier against the corpora of real bounces the repository holds, with their expected answers: the
/// development corpus (tests/fixtures/bounces) always, and the generated one (tests/fixtures/bounces-generated)
/// when this checkout has it. The floors are issue 19's targets; a false hard bounce is held apart because it
/// invalidates a good address.
/// </summary>
public sealed class BounceCorpusTests(ITestOutputHelper output)
{
    public static TheoryData<string> Corpora()
    {
        var data = new TheoryData<string>();
        foreach (var corpus in BounceCorpusScore.Present())
        {
            data.Add(Path.GetFileName(corpus));
        }

        return data;
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

    [Theory]
    [MemberData(nameof(Corpora))]
    public void The_classifier_meets_the_targets_on_the_corpus(string name)
    {
        var score = BounceCorpusScore.Measure(Path.Combine(RepoPaths.Root, "tests", "fixtures", name), new BounceClassifier());
        output.WriteLine(score.Summary());
        foreach (var row in score.Rows.Where(r => r.FalseHard))
        {
            output.WriteLine($"false hard: {row.File} {row.Recipient} expected {row.ExpectedReason}, said {row.Found?.Reason}");
        }

        Assert.True(score.Shortfalls().Count == 0, $"{score.Summary()}: {string.Join("; ", score.Shortfalls())}");
    }
}
