using System.Text;
using MimeKit.Text;

namespace Techmail.Replies;

/// <summary>
/// Removes quoted history and signatures from an HTML body by the containers mail clients put them in, before the
/// body becomes text: <c>blockquote</c> (Gmail's <c>gmail_quote</c>, Apple Mail's and Thunderbird's <c>type="cite"</c>),
/// Yahoo's <c>yahoo_quoted</c>, Outlook's <c>divRplyFwdMsg</c> and <c>OLK_SRC_BODY_SECTION</c> (everything from there
/// on), Zimbra's and old Hotmail's rules, and the signature blocks of Gmail, Thunderbird, Outlook and Proton Mail.
/// A removed quote leaves a <see cref="Placeholder"/> line, so the text rules still see that a quote stood there: an
/// "On … wrote:" line above it is dropped with it, and the customer's lines between two quotes are kept.
/// </summary>
internal static class HtmlQuotes
{
    /// <summary>A private-use character on a line of its own, standing in for a removed quote.</summary>
    public const char Placeholder = '\uE000';

    private const string PlaceholderHtml = "<div>\uE000</div>";

    /// <summary>How far into a quote to look for the start of a forwarded message, which is kept.</summary>
    private const int ForwardLookahead = 300;

    /// <param name="forward">
    /// The mail is a forward: Outlook's reply-or-forward header (<c>divRplyFwdMsg</c>) and the like start what is
    /// forwarded, which stays.
    /// </param>
    public static string Remove(string html, bool forward)
    {
        var tokens = Tokens(html);
        var output = new StringBuilder(html.Length);
        using var writer = new StringWriter(output);
        for (var t = 0; t < tokens.Count; t++)
        {
            if (tokens[t] is HtmlTagToken { IsEndTag: false } tag)
            {
                switch (Classify(tag))
                {
                    case Removal.ToEnd when !forward:
                        output.Append(PlaceholderHtml);
                        return output.ToString();
                    case Removal.Quote when !StartsForward(tokens, t):
                        output.Append(PlaceholderHtml);
                        t = EndOf(tokens, t);
                        continue;
                    case Removal.Signature:
                        t = EndOf(tokens, t);
                        continue;
                }
            }
            tokens[t].WriteTo(writer);
        }
        writer.Flush();
        return output.ToString();
    }

    private enum Removal
    {
        None,
        Quote,
        Signature,
        ToEnd,
    }

    private static Removal Classify(HtmlTagToken tag)
    {
        string? id = null, classes = null;
        foreach (var attribute in tag.Attributes)
        {
            if (attribute.Id == HtmlAttributeId.Id) id = attribute.Value;
            else if (attribute.Id == HtmlAttributeId.Class) classes = attribute.Value;
        }

        if (id is not null && (id.Equals("divRplyFwdMsg", StringComparison.OrdinalIgnoreCase)
            || id.Equals("OLK_SRC_BODY_SECTION", StringComparison.OrdinalIgnoreCase)
            || id.Equals("appendonsend", StringComparison.OrdinalIgnoreCase)
            || (tag.Id == HtmlTagId.HR && (id.Equals("stopSpelling", StringComparison.OrdinalIgnoreCase) || id.Equals("zwchr", StringComparison.OrdinalIgnoreCase)))))
            return Removal.ToEnd;

        if (tag.IsEmptyElement || tag.Id == HtmlTagId.HR) return Removal.None;
        if (tag.Id == HtmlTagId.BlockQuote) return Removal.Quote;
        if (classes is not null)
        {
            foreach (var name in classes.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                // Yahoo prefixes its class names per message ("ydp1c2d3e4yahoo_quoted").
                if (name.EndsWith("yahoo_quoted", StringComparison.OrdinalIgnoreCase)) return Removal.Quote;
                if (name.Equals("gmail_signature", StringComparison.OrdinalIgnoreCase)
                    || name.Equals("moz-signature", StringComparison.OrdinalIgnoreCase)
                    || name.Equals("protonmail_signature_block", StringComparison.OrdinalIgnoreCase)
                    || name.Equals("signature", StringComparison.OrdinalIgnoreCase))
                    return Removal.Signature;
            }
        }
        // Outlook on the web and Outlook mobile name their signature blocks.
        return id is not null && (id.Equals("Signature", StringComparison.OrdinalIgnoreCase) || id.Equals("ms-outlook-mobile-signature", StringComparison.OrdinalIgnoreCase))
            ? Removal.Signature
            : Removal.None;
    }

    /// <summary>
    /// Whether the element starting at <paramref name="start"/> begins with a forwarded message (Apple Mail puts
    /// "Begin forwarded message:" inside a quote): that is what the customer sends, not history.
    /// </summary>
    private static bool StartsForward(List<HtmlToken> tokens, int start)
    {
        var text = new StringBuilder();
        for (var t = start + 1; t < tokens.Count && text.Length < ForwardLookahead; t++)
        {
            if (tokens[t] is HtmlDataToken data)
            {
                text.Append(data.Data);
            }
            else if (tokens[t] is HtmlTagToken tag && (tag.Id is HtmlTagId.Br or HtmlTagId.Div or HtmlTagId.P))
            {
                text.Append('\n');
            }
        }
        foreach (var line in text.ToString().Split('\n'))
        {
            if (line.Trim().Length == 0) continue;
            return QuoteHeaders.IsForwardMarker(line);
        }
        return false;
    }

    /// <summary>The index of the end tag closing the element opened at <paramref name="start"/>, or the last token.</summary>
    private static int EndOf(List<HtmlToken> tokens, int start)
    {
        var name = ((HtmlTagToken)tokens[start]).Name;
        var depth = 0;
        for (var t = start; t < tokens.Count; t++)
        {
            if (tokens[t] is not HtmlTagToken tag || !tag.Name.Equals(name, StringComparison.OrdinalIgnoreCase) || tag.IsEmptyElement) continue;
            depth += tag.IsEndTag ? -1 : 1;
            if (depth == 0) return t;
        }
        return tokens.Count - 1;
    }

    private static List<HtmlToken> Tokens(string html)
    {
        // Character references stay as written, so the tokens write back the markup they were read from.
        var tokenizer = new HtmlTokenizer(new StringReader(html)) { DecodeCharacterReferences = false };
        var tokens = new List<HtmlToken>();
        while (tokenizer.ReadNextToken(out var token)) tokens.Add(token);
        return tokens;
    }
}
