using System.Text;
using MimeKit.Text;

namespace Techmail.Incidents.Parsing;

/// <summary>
/// Readable text from an HTML mail body: blocks and &lt;br&gt; become line breaks, links keep their target as
/// "text (url)", list items get a dash, script, style and the document head are dropped, entities are decoded
/// and white space is tidied. Uses MimeKit's tokenizer, which copes with the unbalanced markup mail is full of.
/// </summary>
internal static class HtmlToText
{
    public static string Convert(string html)
    {
        var writer = new PlainTextOutput();
        var tokenizer = new HtmlTokenizer(new StringReader(html)) { DecodeCharacterReferences = true };
        var links = new Stack<(string? Href, int Start)>();
        var skipped = new Stack<string>();
        var preformatted = 0;

        while (tokenizer.ReadNextToken(out var token))
        {
            if (token is HtmlDataToken data)
            {
                if (skipped.Count == 0 && data.Kind is HtmlTokenKind.Data or HtmlTokenKind.CData)
                    writer.Text(data.Data, preformatted > 0);
                continue;
            }
            if (token is not HtmlTagToken tag) continue;

            var name = tag.Name.ToLowerInvariant();
            if (skipped.Count > 0)
            {
                if (tag.IsEndTag && name == skipped.Peek()) skipped.Pop();
                // A body tag means the head was never closed; nothing after it is hidden.
                else if (!tag.IsEndTag && tag.Id == HtmlTagId.Body) skipped.Clear();
                continue;
            }
            if (!tag.IsEndTag && !tag.IsEmptyElement && IsHidden(tag.Id, name))
            {
                skipped.Push(name);
                continue;
            }

            switch (tag.Id)
            {
                case HtmlTagId.Br:
                    writer.LineBreak();
                    break;
                case HtmlTagId.A when !tag.IsEndTag:
                    if (links.Count > 0) EndLink(writer, links.Pop()); // an unclosed link ends where the next starts
                    links.Push((Href(tag), writer.Length));
                    break;
                case HtmlTagId.A:
                    if (links.Count > 0) EndLink(writer, links.Pop());
                    break;
                case HtmlTagId.LI when !tag.IsEndTag:
                    writer.Break(1);
                    writer.Text("- ", preformatted: true);
                    break;
                case HtmlTagId.TD or HtmlTagId.TH when !tag.IsEndTag:
                    writer.Separate();
                    break;
                case HtmlTagId.Pre:
                    preformatted = Math.Max(0, preformatted + (tag.IsEndTag ? -1 : 1));
                    writer.Break(2);
                    break;
                case HtmlTagId.HR:
                    writer.Break(2);
                    break;
                default:
                    if (BreaksAround(tag.Id) is var lines and > 0) writer.Break(lines);
                    break;
            }
        }
        while (links.Count > 0) EndLink(writer, links.Pop());
        return writer.Finish();
    }

    private static bool IsHidden(HtmlTagId id, string name) =>
        id is HtmlTagId.Script or HtmlTagId.Style or HtmlTagId.Head or HtmlTagId.Title or HtmlTagId.Xml
        || name == "template";

    /// <summary>Line breaks a block element puts around itself: 2 for paragraphs, 1 for lines, 0 for inline.</summary>
    private static int BreaksAround(HtmlTagId id) => id switch
    {
        HtmlTagId.P or HtmlTagId.H1 or HtmlTagId.H2 or HtmlTagId.H3 or HtmlTagId.H4 or HtmlTagId.H5 or HtmlTagId.H6
            or HtmlTagId.BlockQuote or HtmlTagId.Table or HtmlTagId.UL or HtmlTagId.OL or HtmlTagId.DL => 2,
        HtmlTagId.Div or HtmlTagId.TR or HtmlTagId.DT or HtmlTagId.DD or HtmlTagId.Section or HtmlTagId.Article
            or HtmlTagId.Header or HtmlTagId.Footer or HtmlTagId.Nav or HtmlTagId.Aside or HtmlTagId.Address
            or HtmlTagId.Form or HtmlTagId.FieldSet or HtmlTagId.Figure or HtmlTagId.FigCaption or HtmlTagId.Main
            or HtmlTagId.Center or HtmlTagId.Caption or HtmlTagId.Body or HtmlTagId.Html => 1,
        _ => 0,
    };

    /// <summary>A link target worth showing to a reader; anchors, scripts and cid: images are not.</summary>
    private static string? Href(HtmlTagToken tag)
    {
        foreach (var attribute in tag.Attributes)
        {
            if (attribute.Id != HtmlAttributeId.Href) continue;
            var href = attribute.Value?.Trim();
            if (string.IsNullOrEmpty(href)) return null;
            if (href.StartsWith("mailto:", StringComparison.OrdinalIgnoreCase))
                return href["mailto:".Length..].Split('?')[0];
            return href.StartsWith("http://", StringComparison.OrdinalIgnoreCase)
                || href.StartsWith("https://", StringComparison.OrdinalIgnoreCase)
                || href.StartsWith("ftp://", StringComparison.OrdinalIgnoreCase)
                ? href
                : null;
        }
        return null;
    }

    private static void EndLink(PlainTextOutput writer, (string? Href, int Start) link)
    {
        if (link.Href is null) return;
        var text = writer.Since(link.Start).Trim();
        if (text.Length == 0) writer.Text(link.Href, preformatted: false);
        else if (!string.Equals(text, link.Href, StringComparison.OrdinalIgnoreCase))
            writer.Text($" ({link.Href})", preformatted: true);
    }

    /// <summary>Collects text, collapsing white space and holding line breaks back until more text arrives.</summary>
    private sealed class PlainTextOutput
    {
        private readonly StringBuilder _text = new();
        private int _pendingBreaks;
        private bool _pendingSpace;

        public int Length => _text.Length;

        public string Since(int start) => _text.ToString(start, _text.Length - start);

        public void Text(string data, bool preformatted)
        {
            if (preformatted)
            {
                FlushBreaks();
                if (_pendingSpace && _text.Length > 0 && !EndsWithBreak()) _text.Append(' ');
                _pendingSpace = false;
                _text.Append(data.Replace("\r\n", "\n").Replace('\r', '\n').Replace('\u00A0', ' '));
                return;
            }
            foreach (var c in data)
            {
                if (char.IsWhiteSpace(c) || c == '\u00A0')
                {
                    _pendingSpace = true;
                    continue;
                }
                FlushBreaks();
                if (_pendingSpace && _text.Length > 0 && !EndsWithBreak()) _text.Append(' ');
                _pendingSpace = false;
                _text.Append(c);
            }
        }

        /// <summary>Asks for at least <paramref name="lines"/> line breaks before the next text.</summary>
        public void Break(int lines)
        {
            _pendingBreaks = Math.Max(_pendingBreaks, lines);
            _pendingSpace = false;
        }

        /// <summary>A &lt;br&gt;: unlike block breaks, several in a row each add a line.</summary>
        public void LineBreak()
        {
            FlushBreaks();
            TrimTrailingSpaces();
            _text.Append('\n');
            _pendingSpace = false;
        }

        /// <summary>Between table cells: a space, so neighbouring cells do not run together.</summary>
        public void Separate()
        {
            if (_text.Length > 0 && _pendingBreaks == 0) _pendingSpace = true;
        }

        public string Finish()
        {
            var lines = _text.ToString().Split('\n').Select(line => line.TrimEnd());
            var result = new StringBuilder();
            var blankRun = 0;
            foreach (var line in lines)
            {
                if (line.Length == 0)
                {
                    if (++blankRun > 1) continue; // at most one empty line in a row
                }
                else
                {
                    blankRun = 0;
                }
                result.Append(line).Append('\n');
            }
            return result.ToString().Trim('\n', ' ');
        }

        private void FlushBreaks()
        {
            if (_pendingBreaks == 0) return;
            if (_text.Length > 0)
            {
                TrimTrailingSpaces();
                var existing = 0;
                for (var i = _text.Length - 1; i >= 0 && _text[i] == '\n'; i--) existing++;
                for (var i = existing; i < _pendingBreaks; i++) _text.Append('\n');
            }
            _pendingBreaks = 0;
            _pendingSpace = false;
        }

        private bool EndsWithBreak() => _text.Length > 0 && _text[^1] == '\n';

        private void TrimTrailingSpaces()
        {
            while (_text.Length > 0 && _text[^1] == ' ') _text.Length--;
        }
    }
}
