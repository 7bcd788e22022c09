using System.Net;
using System.Text.RegularExpressions;
using MimeKit;
using Techmail.Mailboxes;
using Techmail.Outgoing;

namespace Techmail.Mailings;

/// <summary>
/// A mailing's message as the admin wrote it: a subject and a text and/or HTML body with <c>{field}</c> merge fields,
/// filled in for each recipient. <c>{email}</c> is always there; other fields are the recipient list's columns. Values
/// go into HTML escaped, and into the subject as one line.
/// </summary>
public sealed partial class MailingTemplate
{
    public const string EmailField = "email";

    private MailingTemplate(string subject, string? text, string? html, IReadOnlyList<string> fields)
    {
        Subject = subject;
        Text = text;
        Html = html;
        Fields = fields;
    }

    public string Subject { get; }

    public string? Text { get; }

    public string? Html { get; }

    /// <summary>The list's merge fields, in column order (without <c>email</c>).</summary>
    public IReadOnlyList<string> Fields { get; }

    /// <summary>Reads and checks a template against the fields the list provides; every problem is reported at once.</summary>
    public static (MailingTemplate? Template, IReadOnlyList<ValidationError> Errors) Parse(byte[] raw, IReadOnlyList<string> fields)
    {
        var errors = new List<ValidationError>();
        foreach (var field in fields)
        {
            if (!FieldName().IsMatch(field))
            {
                errors.Add(new ValidationError("fields", $"'{field}' is not a field name (letters, digits, '_' and '-', starting with a letter)."));
            }
            else if (field.Equals(EmailField, StringComparison.OrdinalIgnoreCase))
            {
                errors.Add(new ValidationError("fields", "'email' is the address column and cannot be a merge field too."));
            }
        }

        if (fields.Distinct(StringComparer.OrdinalIgnoreCase).Count() != fields.Count)
        {
            errors.Add(new ValidationError("fields", "a field name appears twice."));
        }

        MimeMessage message;
        try
        {
            message = MimeMessage.Load(new MemoryStream(raw, writable: false));
        }
        catch (FormatException e)
        {
            errors.Add(new ValidationError("message", $"is not a message file: {e.Message}"));
            return (null, errors);
        }

        using (message)
        {
            var subject = message.Subject;
            if (string.IsNullOrWhiteSpace(subject))
            {
                errors.Add(new ValidationError("message", "has no Subject."));
            }
            else if (!HeaderValue.IsOneLine(subject))
            {
                errors.Add(new ValidationError("subject", HeaderValue.OneLineMessage));
            }

            var text = message.TextBody;
            var html = message.HtmlBody;
            if (string.IsNullOrWhiteSpace(text) && string.IsNullOrWhiteSpace(html))
            {
                errors.Add(new ValidationError("message", "has neither a text nor an HTML body."));
            }

            if (message.Attachments.Any())
            {
                errors.Add(new ValidationError("message", "has attachments; a mailing sends text and HTML only (link to files instead)."));
            }

            var known = new HashSet<string>(fields.Append(EmailField), StringComparer.OrdinalIgnoreCase);
            foreach (var used in new[] { subject, text, html }.SelectMany(Used).Distinct(StringComparer.OrdinalIgnoreCase))
            {
                if (!known.Contains(used))
                {
                    errors.Add(new ValidationError("message", $"uses {{{used}}}, which the recipient list does not have (it has: {string.Join(", ", known.Order())})."));
                }
            }

            return errors.Count > 0
                ? (null, errors)
                : (new MailingTemplate(subject!.Trim(), Blank(text), Blank(html), fields), errors);
        }
    }

    /// <summary>The subject for one recipient: one line whatever the values held.</summary>
    public string SubjectFor(MailingRecipient recipient) => OneLine(Fill(Subject, recipient, escape: false));

    public string? TextFor(MailingRecipient recipient) => Text is null ? null : Fill(Text, recipient, escape: false);

    public string? HtmlFor(MailingRecipient recipient) => Html is null ? null : Fill(Html, recipient, escape: true);

    private string Fill(string template, MailingRecipient recipient, bool escape) =>
        Placeholder().Replace(template, match =>
        {
            var name = match.Groups[1].Value;
            var value = Value(name, recipient);
            return value is null ? match.Value : escape ? WebUtility.HtmlEncode(value) : value;
        });

    private string? Value(string name, MailingRecipient recipient)
    {
        if (name.Equals(EmailField, StringComparison.OrdinalIgnoreCase)) return recipient.Address;
        for (var i = 0; i < Fields.Count; i++)
        {
            if (Fields[i].Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return i < recipient.Values.Count ? recipient.Values[i] : "";
            }
        }

        return null;
    }

    private static IEnumerable<string> Used(string? text) =>
        text is null ? [] : Placeholder().Matches(text).Select(m => m.Groups[1].Value);

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text;

    private static string OneLine(string text) => string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries)).Trim();

    [GeneratedRegex(@"\{([A-Za-z][A-Za-z0-9_-]{0,63})\}")]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9_-]{0,63}$")]
    internal static partial Regex FieldName();
}
