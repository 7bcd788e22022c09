using MimeKit;
using MimeKit.Cryptography;
using Techmail.Incidents;
using Techmail.Mailboxes;

namespace Techmail.Certificates;

/// <summary>
/// Opens a customer mail's S/MIME before intake reads it: decrypts enveloped mail with the tenant's mailbox keys,
/// verifies a signature, and applies the mailbox's demands. Only the top-level body is looked at, which is where
/// S/MIME clients put it.
/// </summary>
public static class SmimeIntake
{
    /// <summary>What intake should read: the opened message and what S/MIME said, or a refusal for quarantine.</summary>
    /// <param name="Harvest">A validly signed mail's signer certificate, to keep as the customer's certificate.</param>
    public sealed record Opened(MimeMessage Message, SmimeResult? Result, string? Refusal, byte[]? Harvest);

    /// <summary>True when the mail needs the keyring at all (it is S/MIME, or the mailbox demands signatures).</summary>
    public static bool Concerns(MimeMessage message, SmimeSettings? settings) =>
        message.Body is MultipartSigned or ApplicationPkcs7Mime || settings?.RequireValidSignature == true;

    public static Opened Open(MimeMessage message, string sender, SmimeKeyring keyring, SmimeSettings? settings, DateTimeOffset now)
    {
        using var context = new TenantSmimeContext(keyring);
        var body = message.Body;
        var decrypted = false;
        if (body is ApplicationPkcs7Mime { SecureMimeType: SecureMimeType.EnvelopedData } enveloped)
        {
            try
            {
                body = enveloped.Decrypt(context);
                decrypted = true;
            }
            catch (Exception e) when (e is CertificateNotFoundException or PrivateKeyNotFoundException or Org.BouncyCastle.Cms.CmsException or FormatException)
            {
                return new(message, null, $"cannot decrypt the S/MIME mail: {e.Message}", null);
            }
        }

        SignatureVerifier.Verdict? verdict = null;
        try
        {
            if (body is MultipartSigned signed)
            {
                verdict = Judge(signed.Verify(context), keyring, sender, now);
                body = signed[0];
            }
            else if (body is ApplicationPkcs7Mime { SecureMimeType: SecureMimeType.SignedData } opaque)
            {
                var signatures = opaque.Verify(context, out var content);
                verdict = Judge(signatures, keyring, sender, now);
                body = content;
            }
        }
        catch (Exception e) when (e is Org.BouncyCastle.Cms.CmsException or FormatException or DigitalSignatureVerifyException)
        {
            verdict = new(new SmimeResult(false, SignatureStatus.Invalid, null, null, $"the signature cannot be read: {e.Message}"), null);
        }

        var result = verdict?.Result is { } r ? r with { Decrypted = decrypted } : decrypted ? new SmimeResult(true, SignatureStatus.NotSigned, null, null, null) : null;
        var opened = Replace(message, body);
        if (settings?.RequireValidSignature == true)
        {
            if (result is null or { Signature: SignatureStatus.NotSigned } && !settings.AcceptUnsigned)
            {
                return new(opened, result, "the mail is not signed, and the mailbox requires a valid S/MIME signature", null);
            }

            if (result is { Signature: not (SignatureStatus.Valid or SignatureStatus.NotSigned) })
            {
                return new(opened, result, $"the mailbox requires a valid S/MIME signature: {result.Describe()}", null);
            }
        }

        return new(opened, result, null, result?.Signature == SignatureStatus.Valid ? verdict?.SignerDer : null);
    }

    private static SignatureVerifier.Verdict Judge(DigitalSignatureCollection signatures, SmimeKeyring keyring, string sender, DateTimeOffset now)
    {
        // Several signers are rare; the mail counts as validly signed when any one signature is valid.
        var verdicts = signatures.Select(s => SignatureVerifier.Judge(s, keyring, sender, now)).ToList();
        return verdicts.FirstOrDefault(v => v.Result.Signature == SignatureStatus.Valid)
            ?? verdicts.FirstOrDefault()
            ?? new(new SmimeResult(false, SignatureStatus.Invalid, null, null, "the signature holds no signer"), null);
    }

    /// <summary>The message with its headers and the opened body, so intake reads it as if it had come in the clear.</summary>
    private static MimeMessage Replace(MimeMessage message, MimeEntity? body)
    {
        if (body is null || ReferenceEquals(body, message.Body))
        {
            return message;
        }

        var opened = new MimeMessage();
        opened.Headers.Clear();
        foreach (var header in message.Headers)
        {
            if (!header.Field.StartsWith("Content-", StringComparison.OrdinalIgnoreCase))
            {
                opened.Headers.Add(header.Clone());
            }
        }

        opened.Body = body;
        return opened;
    }
}
