using MimeKit;

namespace Techmail.Bench;

/// <summary>The benchmark's mail: small text messages (~3 KB) and large ones with a base64 attachment (~200 KB).</summary>
public static class BenchMessages
{
    public static byte[] Small(int i) => Build($"Question {i}", body: Lorem(2_600), attachment: 0);

    public static byte[] Large(int i) => Build($"Logs {i}", body: "Attached are the logs.", attachment: 145_000);

    private static byte[] Build(string subject, string body, int attachment)
    {
        var builder = new BodyBuilder { TextBody = body };
        if (attachment > 0)
        {
            var content = new byte[attachment];
            new Random(attachment).NextBytes(content);
            builder.Attachments.Add("logs.bin", content, new ContentType("application", "octet-stream"));
        }

        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse("customer@example.net"));
        message.To.Add(MailboxAddress.Parse("support@example.com"));
        message.Subject = subject;
        message.MessageId = MimeKit.Utils.MimeUtils.GenerateMessageId("example.net");
        message.Body = builder.ToMessageBody();
        using var stream = new MemoryStream();
        message.WriteTo(stream);
        return stream.ToArray();
    }

    private static string Lorem(int length)
    {
        const string words = "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore ";
        var text = new System.Text.StringBuilder(length + 80);
        while (text.Length < length)
        {
            text.Append(words);
            if (text.Length % 70 < words.Length)
            {
                text.Append('\n');
            }
        }

        return text.ToString(0, length);
    }
}
