using System.Text;
using MimeKit;

namespace Techmail.Incidents.Parsing;

/// <summary>Header values as people read them: decoded and on one line.</summary>
internal static class HeaderText
{
    /// <summary>The decoded value, or the raw bytes read leniently when MimeKit cannot decode it.</summary>
    public static string Value(Header header)
    {
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
    /// Folding leaves CR, LF and tabs inside a value, and a subject is shown on one line: every run of white space
    /// that holds a control character becomes one space. Runs of plain spaces stay, a sender may have meant them.
    /// </summary>
    public static string OneLine(string? value)
    {
        if (string.IsNullOrEmpty(value)) return "";
        var text = new StringBuilder(value.Length);
        var i = 0;
        while (i < value.Length)
        {
            var c = value[i];
            if (!char.IsWhiteSpace(c) && !char.IsControl(c))
            {
                text.Append(c);
                i++;
                continue;
            }
            var start = i;
            var hasControl = false;
            while (i < value.Length && (char.IsWhiteSpace(value[i]) || char.IsControl(value[i])))
            {
                hasControl |= char.IsControl(value[i]);
                i++;
            }
            if (hasControl) text.Append(' ');
            else text.Append(value, start, i - start);
        }
        return text.ToString().Trim();
    }
}
