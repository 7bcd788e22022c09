using System.Globalization;
using Techmail.Bounces;
using Techmail.Tests.Support;
using Xunit.Abstractions;

namespace Techmail.Tests.Bounces;

/// <summary>The classifier against the shared corpus of real bounces and a mature classifier's answers.</summary>
public sealed class BounceCorpusTests(ITestOutputHelper output)
{
    [Fact]
    public void Agreement_with_the_reference_answers_meets_the_thresholds()
    {
        var corpus = BounceCorpusScore.Find(AppContext.BaseDirectory);
        Assert.True(corpus is not null, $"shared/corpus/bounces (expected.tsv and samples/) not found in or beside any folder above {AppContext.BaseDirectory}");

        var score = BounceCorpusScore.Measure(corpus!, new BounceClassifier());
        Assert.True(score.Rows.Count >= 300, $"only {score.Rows.Count} expected rows read from {corpus}");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{score.Rows.Count} rows: reason {score.Reason:P1}, recipient {score.Recipient:P1}, hard/soft {score.HardSoft:P1}"));
        foreach (var row in score.Rows.Where(r => !r.ReasonAgrees || !r.HardAgrees))
        {
            output.WriteLine(row.Found is null
                ? $"{row.File}\t{row.Recipient}\texpected {row.ExpectedReason}/{row.ExpectedHard}\trecipient not found"
                : $"{row.File}\t{row.Recipient}\texpected {row.ExpectedReason}/{row.ExpectedHard}\tgot {BounceReasons.ToLabel(row.Found.Reason)}/{(row.Found.HardBounce == true ? 1 : 0)} ({row.Found.Status})");
        }

        Assert.True(score.Reason >= 0.95, $"reason agreement {score.Reason:P1} is under 95%");
        Assert.True(score.Recipient >= 0.98, $"recipient agreement {score.Recipient:P1} is under 98%");
        Assert.True(score.HardSoft >= 0.98, $"hard/soft agreement {score.HardSoft:P1} is under 98%");
    }
}
