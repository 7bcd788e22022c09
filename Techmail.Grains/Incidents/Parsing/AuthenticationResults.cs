using System.Text;

namespace Techmail.Incidents.Parsing;

/// <summary>One result of an Authentication-Results header (RFC 8601): "dmarc=fail header.from=example.com".</summary>
/// <param name="Method">The method in lower case, without a version ("dmarc", "dkim", "spf").</param>
/// <param name="Result">The result keyword in lower case ("pass", "fail", "none").</param>
/// <param name="Text">The result as written, comments left out, for a person reading the thread.</param>
public sealed record AuthenticationResult(string Method, string Result, string Text);

/// <summary>
/// One Authentication-Results header read: who wrote it (its authserv-id) and what it found. A header that does not
/// follow the RFC 8601 grammar far enough to say both reads as null; nothing is guessed from a broken one.
/// </summary>
/// <param name="AuthServId">The authserv-id as written (a quoted one unquoted); compared ignoring case.</param>
/// <param name="Results">The results in header order; empty for "; none".</param>
public sealed record AuthenticationResults(string AuthServId, IReadOnlyList<AuthenticationResult> Results)
{
    public const string HeaderName = "Authentication-Results";

    /// <summary>The header's value read, or null when it is not an Authentication-Results payload.</summary>
    public static AuthenticationResults? Parse(string? value)
    {
        if (value is null || WithoutComments(value) is not { } text)
        {
            return null;
        }

        var parts = SplitOutsideQuotes(text, ';');
        // The first part is the authserv-id, optionally followed by a version number.
        var head = SplitOutsideQuotes(parts[0].Trim(), ' ').Where(p => p.Length > 0).ToList();
        if (head.Count is 0 or > 2 || (head.Count == 2 && !head[1].All(char.IsAsciiDigit)) || Unquote(head[0]) is not { Length: > 0 } authServId)
        {
            return null;
        }

        var results = new List<AuthenticationResult>();
        var rest = parts.Skip(1).Select(p => p.Trim()).ToList();
        if (rest.Count == 1 && rest[0].Equals("none", StringComparison.OrdinalIgnoreCase))
        {
            return new AuthenticationResults(authServId, results);
        }

        foreach (var resinfo in rest)
        {
            if (resinfo.Length == 0)
            {
                // A trailing ";" is common enough and says nothing.
                continue;
            }

            if (Result(resinfo) is not { } result)
            {
                return null;
            }

            results.Add(result);
        }

        return results.Count == 0 ? null : new AuthenticationResults(authServId, results);
    }

    /// <summary>"method[/version] = result ...": the method and result keywords; the rest (reason, properties) kept as text.</summary>
    private static AuthenticationResult? Result(string resinfo)
    {
        var equals = resinfo.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0)
        {
            return null;
        }

        var method = resinfo[..equals].Trim();
        var slash = method.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            method = method[..slash].Trim();
        }

        var after = resinfo[(equals + 1)..].TrimStart();
        var end = 0;
        while (end < after.Length && IsKeywordChar(after[end]))
        {
            end++;
        }

        var result = after[..end];
        if (!IsKeyword(method) || !IsKeyword(result))
        {
            return null;
        }

        // Comments left gaps; the text is for a person, on one line with single spaces.
        return new AuthenticationResult(method.ToLowerInvariant(), result.ToLowerInvariant(), string.Join(' ', resinfo.Split(' ', StringSplitOptions.RemoveEmptyEntries)));
    }

    // RFC 8601's Keyword: letters, digits and hyphens, not ending in a hyphen; "_" also seen in the wild.
    private static bool IsKeyword(string text) => text.Length > 0 && text.All(IsKeywordChar) && text[^1] != '-';

    private static bool IsKeywordChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '_';

    /// <summary>The value with its comments (nested parentheses, outside quoted strings) made single spaces; null when unbalanced.</summary>
    private static string? WithoutComments(string value)
    {
        var text = new StringBuilder(value.Length);
        var depth = 0;
        var quoted = false;
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c == '\\' && (quoted || depth > 0) && i + 1 < value.Length)
            {
                // A quoted pair: the next character is taken as it is (or dropped, inside a comment).
                if (depth == 0)
                {
                    text.Append(c).Append(value[i + 1]);
                }

                i++;
                continue;
            }

            if (depth == 0 && c == '"')
            {
                quoted = !quoted;
                text.Append(c);
            }
            else if (!quoted && c == '(')
            {
                depth++;
            }
            else if (!quoted && c == ')')
            {
                if (--depth < 0)
                {
                    return null;
                }

                text.Append(' ');
            }
            else if (depth == 0)
            {
                text.Append(char.IsWhiteSpace(c) ? ' ' : c);
            }
        }

        return depth == 0 && !quoted ? text.ToString() : null;
    }

    private static List<string> SplitOutsideQuotes(string text, char separator)
    {
        var parts = new List<string>();
        var start = 0;
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\\' && quoted)
            {
                i++;
            }
            else if (text[i] == '"')
            {
                quoted = !quoted;
            }
            else if (text[i] == separator && !quoted)
            {
                parts.Add(text[start..i]);
                start = i + 1;
            }
        }

        parts.Add(text[start..]);
        return parts;
    }

    private static string? Unquote(string value)
    {
        if (value.Length >= 2 && value[0] == '"' && value[^1] == '"')
        {
            var inner = new StringBuilder(value.Length);
            for (var i = 1; i < value.Length - 1; i++)
            {
                if (value[i] == '\\' && i + 1 < value.Length - 1)
                {
                    i++;
                }

                inner.Append(value[i]);
            }

            return inner.ToString();
        }

        return value.Contains('"', StringComparison.Ordinal) ? null : value;
    }
}
