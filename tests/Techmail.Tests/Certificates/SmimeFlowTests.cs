using MimeKit;
using MimeKit.Cryptography;
using Techmail.Certificates;
using Techmail.Incidents;
using Techmail.Mailboxes;
using Techmail.Quarantine;
using Techmail.Tests.Polling;
using Techmail.Tests.Support;

namespace Techmail.Tests.Certificates;

[Collection(PollingCollection.Name)]
public sealed class SqliteSmimeFlowTests(SqlitePollingFixture fixture) : SmimeFlowTests(fixture);

[Collection(PostgresPollingCollection.Name)]
public sealed class PostgresSmimeFlowTests(PostgresPollingFixture fixture) : SmimeFlowTests(fixture);

/// <summary>
/// S/MIME round trips: customer mail signed and encrypted by the test PKI through a real Dovecot into incidents, and
/// the mailbox's signed (and encrypted) acknowledgements and replies out through a real SMTP server.
/// </summary>
public abstract class SmimeFlowTests(PollingFixture fixture)
{
    private const string Tenant = "poll";
    private static readonly TestPki Pki = TestPki.Instance;
    private static readonly TimeSpan MailWait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task A_signed_and_encrypted_mail_becomes_a_valid_incident_and_the_acknowledgement_goes_back_signed_and_encrypted()
    {
        await ImportPki();
        var (mailbox, user) = await SmimeMailbox("smime-ack", new SmimeSettings(true, SmimeEncryption.WhenKnown, RequireValidSignature: true, AcceptUnsigned: false));
        var mail = SmimeTestMail.Plain(TestPki.CustomerAddress, "Contract question", "Is clause 7 still valid?");
        fixture.Dovecot.Deliver(user, TestMail.ToBytes(SmimeTestMail.Encrypted(SmimeTestMail.Signed(mail, Pki.Customer), Pki.Mailbox)));

        var reference = (await PollAndBuild(mailbox, "smime-ack")).Single().Reference;
        var entry = (await Incident(reference)).Thread[0];
        Assert.Equal("Is clause 7 still valid?", entry.Body.Trim());
        Assert.Equal(new SmimeResult(true, SignatureStatus.Valid, TestPki.CustomerAddress, Pki.Customer.Thumbprint, null), entry.Smime);
        Assert.Equal($"decrypted; signature valid by {TestPki.CustomerAddress}", entry.Smime!.Describe());
        // The signer's certificate was harvested, and the acknowledgement was encrypted to it.
        var harvested = await Certificates.Show(Pki.Customer.Thumbprint);
        Assert.Equal((CertificateKind.Customer, CertificateSource.Harvested), (harvested!.Kind, harvested.Source));

        var ack = await fixture.Smtp.WaitFor(m => m.Recipients.Contains(TestPki.CustomerAddress) && m.Message.Subject?.Contains(reference) == true, MailWait);
        Assert.IsType<ApplicationPkcs7Mime>(ack.Message.Body);
        var (content, signatures, encrypted) = SmimeTestMail.Open(ack.Message, Pki.Customer);
        Assert.True(encrypted);
        var signature = Assert.Single(signatures!);
        Assert.True(signature.Verify());
        Assert.Equal(TestPki.MailboxAddress, signature.SignerCertificate!.Email);
        Assert.Contains(reference, ((TextPart)content).Text);

        // An agent's reply goes the same way.
        var receipt = await fixture.Client.GetGrain<IIncidentGrain>(IncidentKey.For(Tenant, reference)).Reply(new AgentReply("Yes, it is.", "agent", [], null));
        var reply = await fixture.Smtp.WaitFor(m => $"<{m.Message.MessageId}>" == receipt.MessageId, MailWait);
        var (replyContent, replySignatures, _) = SmimeTestMail.Open(reply.Message, Pki.Customer);
        Assert.True(Assert.Single(replySignatures!).Verify());
        Assert.Equal("Yes, it is.", ((TextPart)replyContent).Text);
    }

    [Fact]
    public async Task Tampered_expired_and_revoked_signatures_are_marked_or_refused_with_the_reason()
    {
        await ImportPki();
        var (lenient, lenientUser) = await SmimeMailbox("smime-lenient", new SmimeSettings(false, SmimeEncryption.Off, false, true));
        var signed = TestMail.ToBytes(SmimeTestMail.Signed(SmimeTestMail.Plain(TestPki.CustomerAddress, "Payment", "Please wire 100 EUR."), Pki.Customer));
        var text = System.Text.Encoding.ASCII.GetString(signed);
        fixture.Dovecot.Deliver(lenientUser, System.Text.Encoding.ASCII.GetBytes(text.Replace("100 EUR", "900 EUR", StringComparison.Ordinal)));
        var tampered = (await Incident((await PollAndBuild(lenient, "smime-lenient")).Single().Reference)).Thread[0];
        Assert.Equal(SignatureStatus.Invalid, tampered.Smime!.Signature);
        Assert.StartsWith("the signature does not match the content", tampered.Smime.Reason);
        Assert.Contains("900 EUR", tampered.Body);

        var (strict, strictUser) = await SmimeMailbox("smime-strict", new SmimeSettings(false, SmimeEncryption.Off, RequireValidSignature: true, AcceptUnsigned: false));
        fixture.Dovecot.Deliver(strictUser, TestMail.ToBytes(SmimeTestMail.Signed(SmimeTestMail.Plain(TestPki.ExpiredAddress, "Old", "From an expired key."), Pki.Expired)));
        fixture.Dovecot.Deliver(strictUser, TestMail.ToBytes(SmimeTestMail.Signed(SmimeTestMail.Plain(TestPki.RevokedAddress, "Lost", "From a revoked key."), Pki.Revoked)));
        fixture.Dovecot.Deliver(strictUser, TestMail.ToBytes(SmimeTestMail.Plain(TestPki.CustomerAddress, "Plain", "Not signed.")));
        fixture.Dovecot.Deliver(strictUser, TestMail.ToBytes(SmimeTestMail.Encrypted(SmimeTestMail.Plain(TestPki.CustomerAddress, "Sealed", "For someone else."), Pki.Customer)));
        Assert.Empty(await PollAndBuild(strict, "smime-strict"));

        var reasons = (await fixture.Client.GetGrain<IQuarantineGrain>(Tenant).List("smime-strict", false, 10)).ToDictionary(q => q.Subject ?? "", q => q.Reason);
        Assert.Equal(
            $"the mailbox requires a valid S/MIME signature: signature expired by {TestPki.ExpiredAddress}: certificate {Pki.Expired.Thumbprint} expired on {Pki.Expired.NotAfter.ToUniversalTime():yyyy-MM-dd}",
            reasons["Old"]);
        Assert.StartsWith($"the mailbox requires a valid S/MIME signature: signature revoked by {TestPki.RevokedAddress}: certificate ", reasons["Lost"]);
        Assert.EndsWith($" was revoked by O=Techmail Tests,CN=Techmail Test CA on {DateTime.UtcNow.AddHours(-1):yyyy-MM-dd}", reasons["Lost"]);
        Assert.Equal("the mail is not signed, and the mailbox requires a valid S/MIME signature", reasons["Plain"]);
        Assert.StartsWith("cannot decrypt the S/MIME mail: ", reasons["Sealed"]);
    }

    [Fact]
    public async Task Required_encryption_without_the_customers_certificate_sends_nothing_and_says_why()
    {
        await ImportPki();
        var (mailbox, user) = await SmimeMailbox("smime-required", new SmimeSettings(true, SmimeEncryption.Required, false, true));
        fixture.Dovecot.Deliver(user, TestMail.ToBytes(SmimeTestMail.Plain("bob@customer.example", "Help", "Unsigned question.")));
        var reference = (await PollAndBuild(mailbox, "smime-required")).Single().Reference;

        const string why = "encryption is required and there is no usable certificate for bob@customer.example: no certificate for bob@customer.example";
        Assert.Contains((await Incident(reference)).Thread, e => e.Author == EntryAuthor.System && e.Body == $"No acknowledgement sent: {why}.");
        var refused = await Assert.ThrowsAsync<IncidentException>(() =>
            fixture.Client.GetGrain<IIncidentGrain>(IncidentKey.For(Tenant, reference)).Reply(new AgentReply("Answer.", "agent", [], null)));
        Assert.Equal((IncidentErrorKind.CannotSend, $"{why}; the reply was not recorded."), (refused.Kind, refused.Message));
        await Task.Delay(500);
        Assert.DoesNotContain(fixture.Smtp.Messages, m => m.Recipients.Contains("bob@customer.example"));
    }

    private ICertificateGrain Certificates => fixture.Client.GetGrain<ICertificateGrain>(Tenant);

    /// <summary>The tenant trusts the test CA and its CRL and holds the mailbox's key; customers' certificates are harvested.</summary>
    private async Task ImportPki()
    {
        await Certificates.Import(TestPki.Pem(Pki.Ca), null, CertificateKind.SmimeCa);
        await Certificates.Import(TestPki.Pkcs12(Pki.Mailbox), TestPki.Password, null);
        await Certificates.Import(Pki.Crl, null, null);
    }

    private async Task<(IMailboxGrain Mailbox, string User)> SmimeMailbox(string name, SmimeSettings smime)
    {
        var (user, password) = fixture.NewUser();
        var mailbox = await fixture.Mailbox(name, fixture.Pop3(user, password), s => s with { Outgoing = fixture.Relay(), Smime = smime });
        return (mailbox, user);
    }

    private async Task<IReadOnlyList<IncidentSummary>> PollAndBuild(IMailboxGrain mailbox, string name)
    {
        await PollingFixture.PollAndWait(mailbox);
        await fixture.Client.GetGrain<IIncidentBuilderGrain>(MailboxKey.For(Tenant, name)).Drain();
        return (await fixture.Client.GetGrain<IIncidentListGrain>(0).List(new IncidentQuery(Tenant, Mailbox: name, Take: 100))).Incidents;
    }

    private async Task<IncidentDetails> Incident(string reference) =>
        await fixture.Client.GetGrain<IIncidentGrain>(IncidentKey.For(Tenant, reference)).Get() ?? throw new InvalidOperationException($"no incident {reference}");
}
