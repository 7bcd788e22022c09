using System.Text;
using MimeKit;

namespace Techmail.Incidents.Parsing;

/// <summary>Header values as people read them: decoded and on one line.</summary>
internal static class HeaderText
{
    /// <summary>
    /// The decoded value, with a wrong charset label repaired (<see cref="HeaderRepair"/>), or the raw bytes read
    /// leniently when MimeKit cannot decode it.
    /// </summary>
    /// <param name="hint">The message's own charset for text too short to detect (see <see cref="CharsetHint"/>).</param>
    public static string Value(Header header, Encoding? hint = null)
    {
        if (HeaderRepair.Value(header, hint) is { } repaired) return repaired;
        string value;
        try
        {
            value = header.Value;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            value = Encoding.UTF8.GetString(header.RawValue);
        }
        return OneLine(value);
    }

    /// <summary>
    /// Unfolding leaves the folding white space (often a tab or several spaces) inside a value, and senders' programs
    /// differ in how they fold; every run of white space or control characters becomes one space, so a value reads
    /// and compares the same however it was folded.
    /// </summary>
    public static string OneLine(string? value)
    {
        if (string.IsNullOrEmpty(value)) return "";
        var text = new StringBuilder(value.Length);
        var inSpace = false;
        foreach (var c in value)
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c))
            {
                inSpace = true;
                continue;
            }
            if (inSpace && text.Length > 0) text.Append(' ');
            inSpace = false;
            text.Append(c);
        }
        return text.ToString();
    }
}
