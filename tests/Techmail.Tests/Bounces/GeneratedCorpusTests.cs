using MimeKit;
using Techmail.Bounces;
using Techmail.Tests.Support;

namespace Techmail.Tests.Bounces;

/// <summary>
/// The bounces real Postfix, Exim and Dovecot wrote for situations with a known answer (tests/fixtures/
/// bounces-generated, made by bench/make-bounces) are well formed: every answer names a sample, a reason in the
/// vocabulary and a hard/soft value that follows from it. The tests read the committed files and never run an MTA;
/// BounceCorpusTests holds the classifier to the targets on this corpus.
/// </summary>
public sealed class GeneratedCorpusTests
{
    private static readonly HashSet<string> Hard = ["userunknown", "hostunknown", "hasmoved"];

    private static readonly HashSet<string> NotFailures = ["vacation", "delivered", "feedback"];

    [Fact]
    public void Every_row_has_a_parsable_sample_and_an_answer_in_the_vocabulary()
    {
        var folder = BounceCorpusScore.Generated;
        var expectations = BounceCorpusScore.ReadExpected(folder);
        var samplesFolder = Path.Combine(folder, "samples");
        var samples = Directory.GetFiles(samplesFolder, "*.eml").Select(Path.GetFileName).ToHashSet(StringComparer.Ordinal);
        var problems = new List<string>();
        foreach (var row in expectations)
        {
            var where = $"line {row.Line} ({row.File} {row.Recipient})";
            if (!samples.Contains(row.File))
            {
                problems.Add($"{where}: no such sample");
            }

            if (!BounceReasons.TryParse(row.Reason, out _))
            {
                problems.Add($"{where}: '{row.Reason}' is not a reason label");
            }

            if (!MailboxAddress.TryParse(row.Recipient, out var address) || !address.Address.Contains('@'))
            {
                problems.Add($"{where}: the recipient is not an address");
            }

            var hard = NotFailures.Contains(row.Reason) ? ""
                : Hard.Contains(row.Reason) || (row.Reason == "notaccept" && row.Status.StartsWith('5')) ? "1" : "0";
            if (row.Hard != hard)
            {
                problems.Add($"{where}: hardbounce '{row.Hard}', but {row.Reason} means '{hard}'");
            }
        }

        var duplicates = expectations.GroupBy(r => (r.File, r.Recipient.ToLowerInvariant())).Where(g => g.Count() > 1);
        problems.AddRange(duplicates.Select(g => $"{g.Key.File} {g.Key.Item2}: {g.Count()} rows"));
        var answered = expectations.Select(r => r.File).ToHashSet(StringComparer.Ordinal);
        problems.AddRange(samples.Where(s => !answered.Contains(s!)).Select(s => $"{s}: a sample without an expected row"));
        foreach (var sample in samples)
        {
            using var stream = File.OpenRead(Path.Combine(samplesFolder, sample!));
            var message = MimeMessage.Load(stream);
            if (message.From.Count == 0 || message.Body is null)
            {
                problems.Add($"{sample}: no From or no body");
            }
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
        Assert.True(samples.Count >= 60, $"{samples.Count} samples; the corpus should keep at least 60");
        Assert.True(expectations.Select(r => r.Reason).Distinct().Count() >= 10, "the corpus should span at least ten reasons");
    }
}
