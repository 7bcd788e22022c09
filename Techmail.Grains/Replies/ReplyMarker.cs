namespace Techmail.Replies;

/// <summary>
/// Techmail's own "reply above this line" marker, written at the top of acknowledgements and agent replies when the
/// installation asks for it (<c>Techmail:ReplyMarker</c>). Whatever the customer's client does with the old mail, the
/// marker comes back under their answer, so the cut is certain. Markers of other helpdesks with the same words count too.
/// </summary>
public static class ReplyMarker
{
    public const string Line = "===== Please reply above this line =====";

    private const string Words = "reply above this line";

    /// <summary>Whether the line is a marker, quoted or not.</summary>
    public static bool IsMarker(string line) =>
        line.Length < 120 && line.Contains(Words, StringComparison.OrdinalIgnoreCase);

    /// <summary>The body of a mail with the marker above it.</summary>
    public static string Above(string body) => $"{Line}\n\n{body}";
}
