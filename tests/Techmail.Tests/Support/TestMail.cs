using System.Text;
using MimeKit;

namespace Techmail.Tests.Support;

/// <summary>Raw messages for tests, built with MimeKit so they are what a real sender would produce.</summary>
public static class TestMail
{
    public static byte[] Simple(string subject, string from = "customer@example.net", string body = "Hello, I need help.", int padTo = 0)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(from));
        message.To.Add(MailboxAddress.Parse("support@example.com"));
        message.Subject = subject;
        message.MessageId = MimeKit.Utils.MimeUtils.GenerateMessageId("example.net");
        var text = padTo > body.Length ? body + "\n" + new string('x', padTo - body.Length) : body;
        message.Body = new TextPart("plain") { Text = text };
        return ToBytes(message);
    }

    public static byte[] WithAttachment(string subject, string fileName, string mimeType, int size, string from = "customer@example.net")
    {
        var builder = new BodyBuilder { TextBody = "See attached." };
        var content = new byte[size];
        Random.Shared.NextBytes(content);
        builder.Attachments.Add(fileName, content, ContentType.Parse(mimeType));
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(from));
        message.To.Add(MailboxAddress.Parse("support@example.com"));
        message.Subject = subject;
        message.MessageId = MimeKit.Utils.MimeUtils.GenerateMessageId("example.net");
        message.Body = builder.ToMessageBody();
        return ToBytes(message);
    }

    /// <summary>A mail as Outlook sends it with rich text on: a short text body and the files inside winmail.dat (TNEF).</summary>
    public static byte[] WithWinmail(string subject, byte[] tnef, string from = "customer@example.net")
    {
        var builder = new BodyBuilder { TextBody = "See attached." };
        builder.Attachments.Add("winmail.dat", tnef, new ContentType("application", "ms-tnef"));
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(from));
        message.To.Add(MailboxAddress.Parse("support@example.com"));
        message.Subject = subject;
        message.MessageId = MimeKit.Utils.MimeUtils.GenerateMessageId("example.net");
        message.Body = builder.ToMessageBody();
        return ToBytes(message);
    }

    /// <summary>Bytes no mail parser can make a message of.</summary>
    public static byte[] Garbage() => Encoding.ASCII.GetBytes("\0\0\0\u0001\u0002 this is not a message\r\n\r\n");

    public static byte[] ToBytes(MimeMessage message)
    {
        using var stream = new MemoryStream();
        message.WriteTo(FormatOptions.Default, stream);
        return stream.ToArray();
    }
}
