using MimeKit;
using MimeKit.Cryptography;
using Techmail.Mailboxes;

namespace Techmail.Certificates;

/// <summary>
/// Signs and encrypts a mailbox's outgoing mail as its <see cref="SmimeSettings"/> ask, at composition, so the outbox
/// holds exactly the protected bytes that will be sent. Signed first, then encrypted, so the customer's client sees
/// the signature once it has decrypted the mail.
/// </summary>
public static class SmimeOutgoing
{
    /// <summary>The message to send (protected in place), or why it must not be sent.</summary>
    public sealed record Protected(MimeMessage? Message, string? Refusal);

    public static bool Applies(SmimeSettings? settings) => settings is { Sign: true } or { Encrypt: not SmimeEncryption.Off };

    public static Protected Protect(MimeMessage message, SmimeSettings settings, SmimeKeyring keyring, string from, string recipient, DateTimeOffset now)
    {
        using var context = new TenantSmimeContext(keyring);
        MimeEntity body = message.Body ?? throw new ArgumentException("the message has no body.", nameof(message));
        if (settings.Sign)
        {
            var (own, problem) = keyring.MailboxCertificate(from, now);
            if (own?.PrivateKey is not { } key)
            {
                return new(null, $"cannot sign: {problem}");
            }

            body = MultipartSigned.Create(context, new CmsSigner(own.Certificate, key) { DigestAlgorithm = DigestAlgorithm.Sha256 }, body);
        }

        if (settings.Encrypt != SmimeEncryption.Off)
        {
            var (customer, problem) = keyring.CustomerCertificate(recipient, now);
            if (customer is not null)
            {
                body = ApplicationPkcs7Mime.Encrypt(context, new CmsRecipientCollection { new CmsRecipient(customer.Certificate) }, body);
            }
            else if (settings.Encrypt == SmimeEncryption.Required)
            {
                return new(null, $"encryption is required and there is no usable certificate for {recipient}: {problem}");
            }
        }

        message.Body = body;
        return new(message, null);
    }
}
