using System.Text.Json;
using MimeKit;
using Techmail.Incidents.Inspection;
using Techmail.Tests.Support;
using Xunit.Abstractions;

namespace Techmail.Tests.Incidents;

/// <summary>
/// The long tail of broken mail (tests/fixtures/messages/long-tail: banners before the headers, MTA mailboxes without a
/// domain, empty From with a Reply-To, mislabelled charsets, signatures, encryption, uuencoded files), each message
/// beside its expected reading in expected.json. Every fixture must read right on its own; the agreement over it and
/// the main corpus is printed beside a plain MimeKit parse of the same files, for comparison.
/// </summary>
public sealed class LongTailAgreementTests(ITestOutputHelper output)
{
    private static readonly string Corpus = Path.Combine(RepoPaths.Root, "tests", "fixtures", "messages");
    private static readonly string Folder = Path.Combine(Corpus, "long-tail");

    public static TheoryData<string> Fixtures()
    {
        var names = new TheoryData<string>();
        foreach (var expected in LongTail()) names.Add(expected.File);
        return names;
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Fixture_reads_as_expected(string file)
    {
        var expected = LongTail().Single(e => e.File == file);
        var reading = Techmail(File.ReadAllBytes(Path.Combine(Folder, file)), file);
        var differences = Compare(expected, reading).ToList();
        Assert.True(differences.Count == 0, $"{file} ({expected.Class}):\n{string.Join("\n", differences)}");
    }

    [Fact]
    public void Agreement_meets_the_targets_and_is_reported_beside_plain_MimeKit()
    {
        var cases = LongTail().Select(e => (e, Path.Combine(Folder, e.File)))
            .Concat(MainCorpus().Select(e => (e, Path.Combine(Corpus, e.File))))
            .ToList();
        var ours = Score(cases, (raw, file) => Techmail(raw, file));
        var plain = Score(cases, (raw, _) => PlainMimeKit(raw));

        output.WriteLine($"{cases.Count} messages ({LongTail().Count} long tail, {cases.Count - LongTail().Count} main corpus)");
        output.WriteLine("reader          sender  name    subject attachments");
        output.WriteLine($"Techmail        {ours}");
        output.WriteLine($"plain MimeKit   {plain}");

        Assert.True(ours.Sender >= 99 && ours.Name >= 98 && ours.Subject >= 99 && ours.Attachments >= 95, $"below the targets: {ours}");
    }

    private static Agreement Score(IReadOnlyList<(Expected Expected, string Path)> cases, Func<byte[], string, Reading> read)
    {
        int sender = 0, name = 0, subject = 0, attachments = 0;
        foreach (var (expected, path) in cases)
        {
            var reading = read(File.ReadAllBytes(path), expected.File);
            sender += reading.Sender == expected.Sender ? 1 : 0;
            name += (reading.Name ?? "") == (expected.Name ?? "") ? 1 : 0;
            subject += (reading.Subject ?? "") == (expected.Subject ?? "") ? 1 : 0;
            attachments += reading.Attachments.SequenceEqual(expected.Attachments) ? 1 : 0;
        }
        double Share(int n) => Math.Round(100.0 * n / cases.Count, 1);
        return new Agreement(Share(sender), Share(name), Share(subject), Share(attachments));
    }

    private static IEnumerable<string> Compare(Expected expected, Reading reading)
    {
        if (reading.Sender != expected.Sender) yield return $"sender: expected {expected.Sender}, read {reading.Sender}";
        if ((reading.Name ?? "") != (expected.Name ?? "")) yield return $"name: expected {expected.Name}, read {reading.Name}";
        if ((reading.Subject ?? "") != (expected.Subject ?? "")) yield return $"subject: expected {expected.Subject}, read {reading.Subject}";
        if (!reading.Attachments.SequenceEqual(expected.Attachments))
            yield return $"attachments: expected [{string.Join(", ", expected.Attachments)}], read [{string.Join(", ", reading.Attachments)}]";
        if (expected.BodyContains is { } part && !(reading.Body ?? "").Contains(part, StringComparison.Ordinal))
            yield return $"body: expected to contain \"{part}\", read \"{reading.Body}\"";
    }

    /// <summary>What `techmail message inspect` shows: the reader intake, screening and the CLI share.</summary>
    private static Reading Techmail(byte[] raw, string file)
    {
        var inspected = MessageInspection.Inspect(raw, file);
        return new Reading(inspected.From?.Address, inspected.From?.Name, inspected.Subject,
            inspected.Attachments.Select(a => a.FileName).ToList(), inspected.BodyText);
    }

    /// <summary>The baseline: MimeKit's own parse and accessors, nothing repaired.</summary>
    private static Reading PlainMimeKit(byte[] raw)
    {
        try
        {
            using var message = MimeMessage.Load(new MemoryStream(raw, writable: false));
            var from = message.From.Mailboxes.FirstOrDefault();
            return new Reading(
                string.IsNullOrEmpty(from?.Address) ? null : from.Address,
                string.IsNullOrEmpty(from?.Name) ? null : from.Name,
                message.Subject,
                message.Attachments.Select(a => a.ContentDisposition?.FileName ?? a.ContentType.Name ?? "").ToList(),
                message.TextBody);
        }
        catch (Exception e) when (e is FormatException or ParseException or InvalidOperationException or ArgumentException)
        {
            return new Reading(null, null, null, [], null);
        }
    }

    private static List<Expected> LongTail()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, "expected.json")));
        return document.RootElement.EnumerateArray().Select(e => new Expected(
            e.GetProperty("file").GetString()!,
            e.GetProperty("class").GetString()!,
            e.GetProperty("sender").GetString(),
            e.GetProperty("name").GetString(),
            e.GetProperty("subject").GetString(),
            e.GetProperty("attachments").EnumerateArray().Select(a => a.GetString()!).ToList(),
            e.TryGetProperty("bodyContains", out var body) ? body.GetString() : null)).ToList();
    }

    /// <summary>The main corpus's expected inspect output, read for the same four fields.</summary>
    private static IEnumerable<Expected> MainCorpus()
    {
        foreach (var path in Directory.GetFiles(Corpus, "*.expected.json").Order(StringComparer.Ordinal))
        {
            using var document = JsonDocument.Parse(File.ReadAllText(path));
            var e = document.RootElement;
            var from = e.GetProperty("from");
            yield return new Expected(
                e.GetProperty("file").GetString()!,
                "main",
                from.ValueKind == JsonValueKind.Null ? null : from.GetProperty("address").GetString(),
                from.ValueKind == JsonValueKind.Null ? null : from.GetProperty("name").GetString(),
                e.GetProperty("subject").GetString(),
                e.GetProperty("attachments").EnumerateArray().Select(a => a.GetProperty("fileName").GetString()!).ToList(),
                null);
        }
    }

    private sealed record Expected(string File, string Class, string? Sender, string? Name, string? Subject, IReadOnlyList<string> Attachments, string? BodyContains);

    private sealed record Reading(string? Sender, string? Name, string? Subject, IReadOnlyList<string> Attachments, string? Body);

    private sealed record Agreement(double Sender, double Name, double Subject, double Attachments)
    {
        public override string ToString() => $"{Sender,5:0.0}%  {Name,5:0.0}%  {Subject,5:0.0}%  {Attachments,5:0.0}%";
    }
}
