using Microsoft.AspNetCore.DataProtection;
using MimeKit;
using Techmail.Certificates;
using Techmail.Incidents;
using Techmail.Mailboxes;
using Techmail.Security;
using Techmail.Tests.Support;

namespace Techmail.Tests.Certificates;

/// <summary>Every verification outcome, decryption, and the mailbox's demands, over a real keyring in SQLite.</summary>
public sealed class SmimeIntakeTests : IDisposable
{
    private const string Tenant = "t1";
    private static readonly TestPki Pki = TestPki.Instance;
    private readonly ScratchDatabases _databases = new();

    public void Dispose() => _databases.Dispose();

    [Fact]
    public async Task Each_signature_outcome_has_its_status_and_reason()
    {
        var keyring = await Keyring();
        SmimeResult? Judge(string from, System.Security.Cryptography.X509Certificates.X509Certificate2 signer) =>
            SmimeIntake.Open(Reparse(SmimeTestMail.Signed(SmimeTestMail.Plain(from, "hi", "Hello."), signer)), from, keyring, null, DateTimeOffset.UtcNow).Result;

        var valid = Judge(TestPki.CustomerAddress, Pki.Customer)!;
        Assert.Equal((SignatureStatus.Valid, TestPki.CustomerAddress, Pki.Customer.Thumbprint, (string?)null), (valid.Signature, valid.Signer, valid.Thumbprint, valid.Reason));
        Assert.Equal($"signature valid by {TestPki.CustomerAddress}", valid.Describe());

        var expired = Judge(TestPki.ExpiredAddress, Pki.Expired)!;
        Assert.Equal(SignatureStatus.Expired, expired.Signature);
        Assert.Equal($"certificate {Pki.Expired.Thumbprint} expired on {Pki.Expired.NotAfter.ToUniversalTime():yyyy-MM-dd}", expired.Reason);

        var revoked = Judge(TestPki.RevokedAddress, Pki.Revoked)!;
        Assert.Equal(SignatureStatus.Revoked, revoked.Signature);
        Assert.StartsWith($"certificate {Pki.Revoked.SerialNumber.TrimStart('0').ToLowerInvariant()} was revoked by ", revoked.Reason);

        var stranger = Judge(TestPki.StrangerAddress, Pki.Stranger)!;
        Assert.Equal(SignatureStatus.UntrustedChain, stranger.Signature);
        Assert.StartsWith("CN=Eve", stranger.Reason);

        var someoneElse = Judge("mallory@customer.example", Pki.Customer)!;
        Assert.Equal(SignatureStatus.Invalid, someoneElse.Signature);
        Assert.Equal($"signed by a certificate for {TestPki.CustomerAddress}, but the mail is from mallory@customer.example", someoneElse.Reason);
    }

    [Fact]
    public async Task A_tampered_mail_is_invalid_and_an_encrypted_one_is_read_decrypted()
    {
        var keyring = await Keyring();
        var raw = TestMailBytes(SmimeTestMail.Signed(SmimeTestMail.Plain(TestPki.CustomerAddress, "pay", "Please wire 100 EUR."), Pki.Customer));
        var tampered = MimeMessage.Load(new MemoryStream(Replace(raw, "100 EUR", "900 EUR")));
        var result = SmimeIntake.Open(tampered, TestPki.CustomerAddress, keyring, null, DateTimeOffset.UtcNow);
        Assert.Equal(SignatureStatus.Invalid, result.Result!.Signature);
        Assert.StartsWith("the signature does not match the content", result.Result.Reason);
        Assert.Null(result.Harvest);

        var secret = SmimeTestMail.Encrypted(SmimeTestMail.Signed(SmimeTestMail.Plain(TestPki.CustomerAddress, "secret", "The code is 4711."), Pki.Customer), Pki.Mailbox);
        var opened = SmimeIntake.Open(Reparse(secret), TestPki.CustomerAddress, keyring, null, DateTimeOffset.UtcNow);
        Assert.Equal(new SmimeResult(true, SignatureStatus.Valid, TestPki.CustomerAddress, Pki.Customer.Thumbprint, null), opened.Result);
        Assert.Equal("The code is 4711.", opened.Message.TextBody);
        Assert.Equal("secret", opened.Message.Subject);
        Assert.Equal(Pki.Customer.RawData, opened.Harvest);

        // Encrypted to a certificate the tenant holds no key for.
        var notForUs = SmimeTestMail.Encrypted(SmimeTestMail.Plain(TestPki.CustomerAddress, "x", "y"), Pki.Customer);
        Assert.StartsWith("cannot decrypt the S/MIME mail: ", SmimeIntake.Open(Reparse(notForUs), TestPki.CustomerAddress, keyring, null, DateTimeOffset.UtcNow).Refusal);
    }

    [Fact]
    public async Task A_mailbox_that_requires_signatures_refuses_what_is_not_validly_signed()
    {
        var keyring = await Keyring();
        var strict = new SmimeSettings(false, SmimeEncryption.Off, RequireValidSignature: true, AcceptUnsigned: false);
        var lenient = strict with { AcceptUnsigned = true };
        var plain = SmimeTestMail.Plain(TestPki.CustomerAddress, "hi", "Hello.");
        Assert.Equal("the mail is not signed, and the mailbox requires a valid S/MIME signature", SmimeIntake.Open(plain, TestPki.CustomerAddress, keyring, strict, DateTimeOffset.UtcNow).Refusal);
        Assert.Null(SmimeIntake.Open(plain, TestPki.CustomerAddress, keyring, lenient, DateTimeOffset.UtcNow).Refusal);

        var expired = Reparse(SmimeTestMail.Signed(SmimeTestMail.Plain(TestPki.ExpiredAddress, "hi", "Hello."), Pki.Expired));
        Assert.Equal(
            $"the mailbox requires a valid S/MIME signature: signature expired by {TestPki.ExpiredAddress}: certificate {Pki.Expired.Thumbprint} expired on {Pki.Expired.NotAfter.ToUniversalTime():yyyy-MM-dd}",
            SmimeIntake.Open(expired, TestPki.ExpiredAddress, keyring, lenient, DateTimeOffset.UtcNow).Refusal);
    }

    [Fact]
    public async Task Outgoing_mail_is_signed_encrypted_or_refused_with_the_reason()
    {
        var keyring = await Keyring();
        var now = DateTimeOffset.UtcNow;
        var both = new SmimeSettings(true, SmimeEncryption.WhenKnown, false, true);

        var toAnn = SmimeOutgoing.Protect(SmimeTestMail.Plain(TestPki.MailboxAddress, "ack", "We have it."), both, keyring, TestPki.MailboxAddress, TestPki.CustomerAddress, now);
        var (content, signatures, encrypted) = SmimeTestMail.Open(Reparse(toAnn.Message!), Pki.Customer);
        Assert.True(encrypted);
        Assert.True(signatures!.Single().Verify());
        Assert.Equal("We have it.", ((TextPart)content).Text);

        // No certificate for this customer: signed only, unless encryption is required.
        var signedOnly = SmimeOutgoing.Protect(SmimeTestMail.Plain(TestPki.MailboxAddress, "ack", "x"), both, keyring, TestPki.MailboxAddress, "bob@customer.example", now);
        Assert.IsType<MimeKit.Cryptography.MultipartSigned>(signedOnly.Message!.Body);
        Assert.Equal(
            "encryption is required and there is no usable certificate for bob@customer.example: no certificate for bob@customer.example",
            SmimeOutgoing.Protect(SmimeTestMail.Plain(TestPki.MailboxAddress, "ack", "x"), both with { Encrypt = SmimeEncryption.Required }, keyring, TestPki.MailboxAddress, "bob@customer.example", now).Refusal);
        Assert.Equal(
            $"encryption is required and there is no usable certificate for {TestPki.ExpiredAddress}: certificate {Pki.Expired.Thumbprint} expired on {Pki.Expired.NotAfter.ToUniversalTime():yyyy-MM-dd}",
            SmimeOutgoing.Protect(SmimeTestMail.Plain(TestPki.MailboxAddress, "ack", "x"), both with { Encrypt = SmimeEncryption.Required }, keyring, TestPki.MailboxAddress, TestPki.ExpiredAddress, now).Refusal);
        Assert.Equal(
            "cannot sign: no mailbox certificate with a private key for other@example.com",
            SmimeOutgoing.Protect(SmimeTestMail.Plain("other@example.com", "ack", "x"), both, keyring, "other@example.com", TestPki.CustomerAddress, now).Refusal);
    }

    /// <summary>The tenant's keyring: the CA and its CRL, the mailbox's key, customers' certificates (the expired one too).</summary>
    private async Task<SmimeKeyring> Keyring()
    {
        var store = new CertificateStore(await _databases.Sqlite(), new DataProtectionSecretProtector(new EphemeralDataProtectionProvider()));
        var now = DateTimeOffset.UtcNow;
        foreach (var (content, password, kind) in new (byte[], string?, CertificateKind?)[]
        {
            (Pki.Ca.RawData, null, CertificateKind.SmimeCa), (TestPki.Pkcs12(Pki.Mailbox), TestPki.Password, null), (Pki.Customer.RawData, null, null), (Pki.Expired.RawData, null, null),
        })
        {
            foreach (var c in CertificateFile.Read(content, password, kind, store.Seal, now).Certificates)
            {
                await store.Import(Tenant, c);
            }
        }

        await store.SaveCrl(Tenant, CertificateFile.Read(Pki.Crl, null, null, store.Seal, now).Crl!, now);
        return await SmimeKeyring.Load(store, Tenant);
    }

    private static byte[] TestMailBytes(MimeMessage message) => TestMail.ToBytes(message);

    /// <summary>Through bytes and back, as the mail would travel.</summary>
    private static MimeMessage Reparse(MimeMessage message) => MimeMessage.Load(new MemoryStream(TestMail.ToBytes(message)));

    private static byte[] Replace(byte[] raw, string from, string to)
    {
        var text = System.Text.Encoding.ASCII.GetString(raw);
        Assert.Contains(from, text);
        return System.Text.Encoding.ASCII.GetBytes(text.Replace(from, to, StringComparison.Ordinal));
    }
}
