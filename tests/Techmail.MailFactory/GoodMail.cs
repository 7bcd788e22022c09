using MimeKit;

namespace Techmail.MailFactory;

/// <summary>
/// Ordinary Service mail as customers send it (questions, replies to an acknowledgement, attachments), built with
/// MimeKit so it is what a real mail client writes; every random part (boundaries, ids, dates, bytes) comes from the
/// factory's seed.
/// </summary>
internal sealed class GoodMail(Random random)
{
    private static readonly string[] Names = ["Ada Park", "Bruno Costa", "Chen Wei", "Dana Novak", "Emeka Obi", "Freya Lund", "Gita Rao", "Hugo Blanc"];
    private static readonly string[] Topics = ["Cannot log in", "Invoice question", "Order not delivered", "Refund request", "Password reset", "App crashes on start", "Change my plan", "Wrong address on file"];

    public GeneratedMail Question(string token, string sender, DateTimeOffset date, string kind, string? messageId = null, string? attachment = null, IEnumerable<(string Name, string Value)>? headers = null)
    {
        var subject = $"{Topics[random.Next(Topics.Length)]} {token}";
        var text = $"Hello,\n\n{Paragraph()}\n\nMy reference: {token}\n\nThanks,\n{Names[random.Next(Names.Length)]}\n";
        MimeEntity body = new TextPart("plain") { Text = text };
        if (random.Next(3) == 0)
        {
            body = Alternative(text);
        }

        if (attachment is not null)
        {
            body = WithAttachment(body, attachment);
        }

        var message = Message(token, sender, subject, date, messageId ?? $"{random.NextInt64():x16}@customers.example.net", body);
        foreach (var (name, value) in headers ?? [])
        {
            message.Headers.Add(name, value);
        }

        return Done(message, token, kind, sender, subject);
    }

    /// <summary>A customer's answer to an acknowledgement: threaded by In-Reply-To and References, subject kept.</summary>
    public GeneratedMail Reply(string token, string sender, DateTimeOffset date, string inReplyTo, string subject)
    {
        var fullSubject = $"{subject} {token}";
        var body = new TextPart("plain") { Text = $"Thanks for the quick answer. One more detail: {Paragraph()}\n\n{token}\n" };
        var message = Message(token, sender, fullSubject, date, $"{random.NextInt64():x16}@customers.example.net", body);
        message.InReplyTo = inReplyTo;
        message.References.Add(inReplyTo);
        return Done(message, token, "ServiceReply", sender, fullSubject);
    }

    private MimeMessage Message(string token, string sender, string subject, DateTimeOffset date, string messageId, MimeEntity body)
    {
        var message = new MimeMessage
        {
            Subject = subject,
            Date = date,
            MessageId = messageId,
            Body = body,
        };
        message.From.Add(new MailboxAddress(Names[random.Next(Names.Length)], sender));
        message.To.Add(new MailboxAddress("Support", "support@example.com"));
        message.Headers.Add("X-Chaos-Token", token);
        return message;
    }

    private Multipart Alternative(string text)
    {
        var html = "<html><body><p>" + System.Net.WebUtility.HtmlEncode(text).Replace("\n", "<br>") + "</p></body></html>";
        return new Multipart("alternative") { Boundary = Boundary() }.With(new TextPart("plain") { Text = text }, new TextPart("html") { Text = html });
    }

    private Multipart WithAttachment(MimeEntity body, string fileName)
    {
        var content = new byte[random.Next(2_000, 40_000)];
        random.NextBytes(content);
        var type = fileName.EndsWith(".png", StringComparison.OrdinalIgnoreCase) ? "image/png"
            : fileName.EndsWith(".pdf", StringComparison.OrdinalIgnoreCase) ? "application/pdf"
            : "application/octet-stream";
        var part = new MimePart(type)
        {
            Content = new MimeContent(new MemoryStream(content)),
            ContentDisposition = new ContentDisposition(ContentDisposition.Attachment) { FileName = fileName },
            ContentTransferEncoding = ContentEncoding.Base64,
            FileName = fileName,
        };
        return new Multipart("mixed") { Boundary = Boundary() }.With(body, part);
    }

    private string Boundary() => $"=-{random.NextInt64():x16}";

    private string Paragraph() => string.Join(' ', Enumerable.Range(0, random.Next(3, 8)).Select(_ => Sentences[random.Next(Sentences.Length)]));

    private static readonly string[] Sentences =
    [
        "I tried again this morning and it still does not work.",
        "The page shows an error after I press the button.",
        "Could you please look into it?",
        "It worked fine until last week.",
        "I attached what I see on my screen.",
        "My colleague has the same problem.",
        "Please call me back if that is easier.",
    ];

    private static GeneratedMail Done(MimeMessage message, string token, string kind, string sender, string subject)
    {
        using var stream = new MemoryStream();
        message.WriteTo(FormatOptions.Default, stream);
        return new GeneratedMail(token, kind, stream.ToArray(), Hostile: false) { MessageId = $"<{message.MessageId}>", Sender = sender, Subject = subject };
    }
}

internal static class MultipartExtensions
{
    public static Multipart With(this Multipart multipart, params MimeEntity[] parts)
    {
        foreach (var part in parts)
        {
            multipart.Add(part);
        }

        return multipart;
    }
}
