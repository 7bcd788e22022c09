using Techmail.Replies;

namespace Techmail.Tests.Support;

/// <summary>
/// The hand-written reply corpus in tests/fixtures/replies: each NNN-name.txt or .html beside NNN-name.expected.txt.
/// Shared by the corpus test and bench/run-replies, so both score the same way.
/// </summary>
public static class ReplyCorpus
{
    public static string Folder { get; } = Path.Combine(RepoPaths.Root, "tests", "fixtures", "replies");

    /// <param name="Body">The body as the client wrote it.</param>
    /// <param name="IsHtml">Whether <paramref name="Body"/> is HTML.</param>
    public sealed record Case(string Name, string Body, bool IsHtml, string Expected)
    {
        public string Extract() => IsHtml ? ReplyExtractor.FromHtml(Body) : ReplyExtractor.FromText(Body);
    }

    public static IReadOnlyList<Case> Load() =>
        [.. Directory.GetFiles(Folder)
            .Where(f => (f.EndsWith(".txt", StringComparison.Ordinal) || f.EndsWith(".html", StringComparison.Ordinal)) && !f.EndsWith(".expected.txt", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(f =>
            {
                var stem = Path.Combine(Folder, Path.GetFileNameWithoutExtension(f));
                return new Case(Path.GetFileName(f), File.ReadAllText(f), f.EndsWith(".html", StringComparison.Ordinal), File.ReadAllText(stem + ".expected.txt"));
            })];

    /// <summary>
    /// Whether two reply texts agree: the same non-blank lines, each trimmed, in the same order. Paragraph spacing does
    /// not count, since HTML converters differ in it and a reader does not.
    /// </summary>
    public static bool Agrees(string expected, string actual) => Significant(expected).SequenceEqual(Significant(actual));

    public static IReadOnlyList<string> Significant(string text) =>
        [.. text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0)];
}
