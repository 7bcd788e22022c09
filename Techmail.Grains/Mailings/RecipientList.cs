using System.Text;
using Techmail.Mailboxes;
using Techmail.Outgoing;

namespace Techmail.Mailings;

/// <summary>
/// A recipient list as an admin writes it: one address a line, or CSV whose header names an <c>email</c> column and
/// any merge fields (quoted values may hold commas and doubled quotes). Blank lines are skipped. A list with any bad
/// line is refused whole, each bad line named, so nothing is half sent and nothing is silently dropped.
/// </summary>
public static class RecipientList
{
    /// <summary>Errors beyond this many are counted, not listed.</summary>
    public const int ErrorsShown = 20;

    public sealed record Parsed(IReadOnlyList<string> Fields, IReadOnlyList<MailingRecipient> Recipients, IReadOnlyList<string> Errors);

    public static Parsed Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var errors = new List<string>();
        var badLines = 0;
        var first = Array.FindIndex(lines, l => l.Trim().Length > 0);
        if (first < 0)
        {
            return new Parsed([], [], ["the recipient list is empty."]);
        }

        var header = Split(lines[first].Trim().TrimStart('\uFEFF'));
        var csv = header is not null && header.Any(h => h.Trim().Equals(MailingTemplate.EmailField, StringComparison.OrdinalIgnoreCase));
        var emailColumn = csv ? header!.FindIndex(h => h.Trim().Equals(MailingTemplate.EmailField, StringComparison.OrdinalIgnoreCase)) : 0;
        var fields = csv ? header!.Where((_, i) => i != emailColumn).Select(h => h.Trim()).ToList() : [];
        if (csv)
        {
            foreach (var field in fields.Where(f => !MailingTemplate.FieldName().IsMatch(f)))
            {
                errors.Add($"line {first + 1}: '{field}' is not a field name (letters, digits, '_' and '-', starting with a letter).");
            }
        }

        var recipients = new List<MailingRecipient>();
        for (var n = csv ? first + 1 : first; n < lines.Length; n++)
        {
            var line = lines[n].Trim();
            if (line.Length == 0)
            {
                continue;
            }

            var problem = Read(line, csv, emailColumn, header?.Count ?? 1, out var recipient);
            if (problem is null)
            {
                recipients.Add(recipient!);
            }
            else if (++badLines <= ErrorsShown)
            {
                errors.Add($"line {n + 1}: {problem}");
            }
        }

        if (badLines > ErrorsShown)
        {
            errors.Add($"... and {badLines - ErrorsShown} more bad line(s).");
        }

        if (recipients.Count == 0 && errors.Count == 0)
        {
            errors.Add("the recipient list names no recipient.");
        }

        return new Parsed(fields, recipients, errors);
    }

    private static string? Read(string line, bool csv, int emailColumn, int columns, out MailingRecipient? recipient)
    {
        recipient = null;
        if (!csv)
        {
            return Address(line, out var plain) is { } bad ? bad : Done(plain, [], out recipient);
        }

        var cells = Split(line);
        if (cells is null)
        {
            return "an unterminated quote.";
        }

        if (cells.Count != columns)
        {
            return $"{cells.Count} column(s) where the header has {columns}.";
        }

        if (Address(cells[emailColumn].Trim(), out var address) is { } problem)
        {
            return problem;
        }

        var values = cells.Where((_, i) => i != emailColumn).ToList();
        return values.FirstOrDefault(v => v.Contains('\r') || v.Contains('\n')) is not null
            ? "a value spans lines."
            : Done(address, values, out recipient);
    }

    private static string? Done(string address, IReadOnlyList<string> values, out MailingRecipient recipient)
    {
        recipient = new MailingRecipient(address, values);
        return null;
    }

    private static string? Address(string text, out string address)
    {
        address = text;
        if (!HeaderValue.IsOneLine(text) || !EmailAddress.TryNormalize(text, out var normalized) || normalized.Contains(' ') || normalized.Contains('<'))
        {
            return $"'{Shorten(text)}' is not an email address.";
        }

        // Only a plain address goes into RCPT TO; "Name <a@b>" belongs in a name column.
        if (!text.Equals(normalized, StringComparison.OrdinalIgnoreCase))
        {
            return $"'{Shorten(text)}' is not a plain address (put names in a column of their own).";
        }

        address = normalized;
        return null;
    }

    /// <summary>One CSV line's cells; null when a quote is not closed.</summary>
    private static List<string>? Split(string line)
    {
        var cells = new List<string>();
        var cell = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    cell.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    cell.Append(c);
                }
            }
            else if (c == '"' && cell.ToString().Trim().Length == 0)
            {
                cell.Clear();
                quoted = true;
            }
            else if (c == ',')
            {
                cells.Add(cell.ToString());
                cell.Clear();
            }
            else
            {
                cell.Append(c);
            }
        }

        if (quoted)
        {
            return null;
        }

        cells.Add(cell.ToString());
        return cells;
    }

    private static string Shorten(string text) => text.Length <= 80 ? text : text[..77] + "...";
}
