using System.Security.Cryptography.X509Certificates;
using MimeKit;
using MimeKit.Cryptography;

namespace Techmail.Tests.Certificates;

/// <summary>What a customer's S/MIME client does: sign with its own certificate, encrypt to the mailbox's.</summary>
public static class SmimeTestMail
{
    public static MimeMessage Plain(string from, string subject, string body)
    {
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress(null, from));
        message.To.Add(MailboxAddress.Parse(TestPki.MailboxAddress));
        message.Subject = subject;
        message.MessageId = MimeKit.Utils.MimeUtils.GenerateMessageId("customer.example");
        message.Date = DateTimeOffset.UtcNow;
        message.Body = new TextPart("plain") { Text = body };
        return message;
    }

    public static MimeMessage Signed(MimeMessage message, X509Certificate2 signer)
    {
        using var context = new TemporarySecureMimeContext();
        message.Body = MultipartSigned.Create(context, new CmsSigner(signer) { DigestAlgorithm = DigestAlgorithm.Sha256 }, message.Body!);
        return message;
    }

    public static MimeMessage Encrypted(MimeMessage message, X509Certificate2 recipient)
    {
        using var context = new TemporarySecureMimeContext();
        message.Body = ApplicationPkcs7Mime.Encrypt(context, new CmsRecipientCollection { new CmsRecipient(recipient) }, message.Body!);
        return message;
    }

    /// <summary>The mail as the customer's side reads it: decrypted with its key, the signature checked against the test CA.</summary>
    public static (MimeEntity Content, DigitalSignatureCollection? Signatures, bool WasEncrypted) Open(MimeMessage message, X509Certificate2? recipient)
    {
        using var context = new TemporarySecureMimeContext();
        context.Import(TestPki.Instance.Ca);
        var body = message.Body;
        var encrypted = false;
        if (recipient is not null && body is ApplicationPkcs7Mime { SecureMimeType: SecureMimeType.EnvelopedData } enveloped)
        {
            using var pfx = new MemoryStream(TestPki.Pkcs12(recipient));
            context.Import(pfx, TestPki.Password);
            body = enveloped.Decrypt(context);
            encrypted = true;
        }

        return body is MultipartSigned signed ? (signed[0], signed.Verify(context), encrypted) : (body!, null, encrypted);
    }
}
