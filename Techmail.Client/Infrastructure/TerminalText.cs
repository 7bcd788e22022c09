using System.Text;

namespace Techmail.Client.Infrastructure;

/// <summary>
/// Text made harmless for a terminal. What the client prints comes largely from strangers (a customer's mail, a
/// server's reply, a file being inspected), and a terminal obeys escape sequences in it: recolouring, moving the
/// cursor, rewriting what was printed above, setting the window title, even answering back. Every control character
/// except a newline and a tab is shown as a visible stand-in instead: C0 controls and DEL as their Unicode control
/// pictures (ESC becomes ␛, so an attempt stays visible as such), C1 controls and the bidirectional overrides that
/// reorder what the reader sees as U+FFFD. A carriage return before a newline is dropped, as a line end.
/// </summary>
public static class TerminalText
{
    private const char Replacement = '\uFFFD';

    /// <summary>The text cleaned; the same instance when nothing needed it.</summary>
    public static string Clean(string text)
    {
        var first = FirstUnsafe(text);
        if (first < 0)
        {
            return text;
        }

        var clean = new StringBuilder(text.Length);
        clean.Append(text, 0, first);
        for (var i = first; i < text.Length; i++)
        {
            var c = text[i];
            if (!IsUnsafe(c))
            {
                clean.Append(c);
            }
            else if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
            {
                // CRLF: the newline that follows ends the line.
            }
            else
            {
                clean.Append(StandIn(c));
            }
        }

        return clean.ToString();
    }

    public static bool IsUnsafe(char c) =>
        (c < ' ' && c is not '\n' and not '\t')
        || c is >= '\u007F' and <= '\u009F'
        || c is >= '\u202A' and <= '\u202E'
        || c is >= '\u2066' and <= '\u2069';

    private static char StandIn(char c) => c switch
    {
        < ' ' => (char)('\u2400' + c),
        '\u007F' => '\u2421',
        _ => Replacement,
    };

    private static int FirstUnsafe(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (IsUnsafe(text[i]))
            {
                return i;
            }
        }

        return -1;
    }
}
