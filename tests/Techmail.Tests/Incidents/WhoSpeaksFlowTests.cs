using System.Text;
using MimeKit;
using Techmail.Certificates;
using Techmail.Incidents;
using Techmail.Mailboxes;
using Techmail.Quarantine;
using Techmail.Tests.Certificates;
using Techmail.Tests.Polling;
using Techmail.Tests.Support;

namespace Techmail.Tests.Incidents;

[Collection(PollingCollection.Name)]
public sealed class SqliteWhoSpeaksFlowTests(SqlitePollingFixture fixture) : WhoSpeaksFlowTests(fixture);

[Collection(PostgresPollingCollection.Name)]
public sealed class PostgresWhoSpeaksFlowTests(PostgresPollingFixture fixture) : WhoSpeaksFlowTests(fixture);

/// <summary>
/// Who speaks for a customer, through a real Dovecot into incidents and out through a real SMTP server: the From, not
/// whoever a Reply-To names; a trusted receiving server's DMARC verdict; where the acknowledgement goes and what it says.
/// </summary>
public abstract class WhoSpeaksFlowTests(PollingFixture fixture)
{
    private const string Tenant = "poll";
    private const string TrustedServer = "mx.helpdesk.example";
    private const string Attacker = "mallory@attacker.example";
    private static readonly TestPki Pki = TestPki.Instance;
    private static readonly TimeSpan MailWait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task A_stranger_naming_the_contact_in_reply_to_does_not_add_to_the_contacts_incident()
    {
        var (mailbox, user) = await ServiceMailbox("speak-replyto");
        fixture.Dovecot.Deliver(user, TestMail.ToBytes(Customer("ann@victim.example", "Ann", "Refund for order 7", "Please refund order 7.")));
        var reference = (await PollAndBuild(mailbox, "speak-replyto")).Single().Reference;

        var attack = Customer("mallory@attacker.example", "Ann", $"Re: [Incident: {reference}] Refund for order 7", "Please send the refund to IBAN XX00 1234 instead.");
        attack.ReplyTo.Add(new MailboxAddress("Ann", "ann@victim.example"));
        fixture.Dovecot.Deliver(user, TestMail.ToBytes(attack));
        var all = await PollAndBuild(mailbox, "speak-replyto");

        Assert.Equal(2, all.Count);
        Assert.Single((await Incident(reference)).Thread, e => e.Author == EntryAuthor.Customer);
        var opened = await Incident(all.Single(i => i.Reference != reference).Reference);
        Assert.Equal("mallory@attacker.example", opened.Incident.Contact);
        Assert.Contains(opened.Thread, e => e.Author == EntryAuthor.System && e.Body.Contains(reference) && e.Body.Contains("secure update"));
    }

    [Fact]
    public async Task A_validly_signed_mail_from_a_stranger_with_the_contact_as_reply_to_stays_the_strangers()
    {
        await ImportPki();
        var (mailbox, user) = await ServiceMailbox("speak-smime", smime: new SmimeSettings(false, SmimeEncryption.Off, RequireValidSignature: true, AcceptUnsigned: false));
        fixture.Dovecot.Deliver(user, TestMail.ToBytes(SmimeTestMail.Signed(SmimeTestMail.Plain(TestPki.CustomerAddress, "Contract", "Clause 7?"), Pki.Customer)));
        var reference = (await PollAndBuild(mailbox, "speak-smime")).Single().Reference;

        // Mallory's own certificate from the trusted CA, valid for her From; the Reply-To names Ann, the subject Ann's incident.
        using var mallory = Pki.Issue("Mallory", Attacker, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1), 66);
        var attack = SmimeTestMail.Plain(Attacker, $"Re: [Incident: {reference}] Contract", "Ann here: clause 7 is cancelled, signed.");
        attack.ReplyTo.Add(MailboxAddress.Parse(TestPki.CustomerAddress));
        fixture.Dovecot.Deliver(user, TestMail.ToBytes(SmimeTestMail.Signed(attack, mallory)));
        var all = await PollAndBuild(mailbox, "speak-smime");

        Assert.Equal(2, all.Count);
        var anns = await Incident(reference);
        Assert.Equal(TestPki.CustomerAddress, anns.Incident.Contact);
        Assert.Single(anns.Thread, e => e.Author == EntryAuthor.Customer);
        var mallorys = await Incident(all.Single(i => i.Reference != reference).Reference);
        Assert.Equal(Attacker, mallorys.Incident.Contact);
        var entry = mallorys.Thread.Single(e => e.Author == EntryAuthor.Customer);
        Assert.Equal((SignatureStatus.Valid, Attacker), (entry.Smime!.Signature, entry.Smime.Signer));
    }

    [Fact]
    public async Task The_acknowledgement_goes_to_the_from_not_a_foreign_reply_to_and_echoes_only_a_short_cleaned_subject()
    {
        const string phishing = "Your mailbox is locked, verify at https://login.evil.example/verify within 24 hours or all your mail will be deleted";
        var (mailbox, user) = await ServiceMailbox("speak-ack");
        var attack = Customer("mallory@attacker.example", "IT Security\u202E", phishing, "Click the link.");
        attack.ReplyTo.Add(MailboxAddress.Parse("target@victim.example"));
        fixture.Dovecot.Deliver(user, TestMail.ToBytes(attack));
        var reference = (await PollAndBuild(mailbox, "speak-ack")).Single().Reference;

        var ack = await fixture.Smtp.WaitFor(m => m.Message.Subject?.Contains(reference) == true, MailWait);
        Assert.Equal(["mallory@attacker.example"], ack.Recipients);
        const string echoed = "Your mailbox is locked, verify at [link removed] within 24 hours or all your ma…";
        Assert.Equal($"[Incident: {reference}] {echoed}", ack.Message.Subject);
        Assert.Contains(echoed, ack.Message.TextBody);
        Assert.DoesNotContain("evil", ack.Message.TextBody);
        Assert.Equal("IT Security", ack.Message.To.Mailboxes.Single().Name);
        Assert.Contains((await Incident(reference)).Thread, e => e.Author == EntryAuthor.System
            && e.Body == "Acknowledgement queued to mallory@attacker.example. Reply-To target@victim.example was not used: it is not in the domain of "
                + "mallory@attacker.example, and the mailbox does not allow any Reply-To.");
        // The incident keeps the whole subject for the agents.
        Assert.Equal(phishing, (await Incident(reference)).Incident.Subject);

        // A mailbox that allows any Reply-To answers there, still with the cleaned subject only.
        var (open, openUser) = await ServiceMailbox("speak-ack-any", allowAnyReplyTo: true);
        var again = Customer("mallory@attacker.example", "IT Security", phishing, "Click the link.");
        again.ReplyTo.Add(MailboxAddress.Parse("target@victim.example"));
        fixture.Dovecot.Deliver(openUser, TestMail.ToBytes(again));
        var second = (await PollAndBuild(open, "speak-ack-any")).Single().Reference;
        var redirected = await fixture.Smtp.WaitFor(m => m.Message.Subject?.Contains(second) == true, MailWait);
        Assert.Equal(["target@victim.example"], redirected.Recipients);
        Assert.Equal($"[Incident: {second}] {echoed}", redirected.Message.Subject);
        Assert.DoesNotContain("evil", redirected.Message.TextBody);
    }

    [Fact]
    public async Task Rotating_the_reply_to_or_the_from_does_not_get_past_the_flood_gate()
    {
        var (mailbox, user) = await ServiceMailbox("speak-flood");
        for (var i = 0; i < 30; i++)
        {
            var rotatedReplyTo = Customer("robot@loop.example", "Robot", $"Alert {i}", "Disk full.");
            rotatedReplyTo.ReplyTo.Add(MailboxAddress.Parse($"alerts{i}@loop.example"));
            rotatedReplyTo.Headers.Add("Auto-Submitted", "auto-generated");
            fixture.Dovecot.Deliver(user, TestMail.ToBytes(rotatedReplyTo));
        }

        for (var i = 0; i < 30; i++)
        {
            var rotatedFrom = Customer($"sender{i}@spray.example", "Spray", $"Offer {i}", "Buy now.");
            rotatedFrom.ReplyTo.Add(MailboxAddress.Parse("target@victim.example"));
            rotatedFrom.Headers.Add("Auto-Submitted", "auto-generated");
            fixture.Dovecot.Deliver(user, TestMail.ToBytes(rotatedFrom));
        }

        var incidents = await PollAndBuild(mailbox, "speak-flood");

        Assert.Equal(23, incidents.Count(i => i.Contact == "robot@loop.example"));
        Assert.Equal(23, incidents.Count(i => i.Contact.EndsWith("@spray.example", StringComparison.Ordinal)));
        var held = await fixture.Client.GetGrain<IQuarantineGrain>(Tenant).List("speak-flood", false, 100);
        Assert.Equal(14, held.Count);
        Assert.Equal(7, held.Count(q => q.Reason.StartsWith("held: robot@loop.example sent 24 messages within 12 hours", StringComparison.Ordinal)));
        Assert.Equal(7, held.Count(q => q.Reason.StartsWith("held: 24 messages named target@victim.example as sender or Reply-To within 12 hours", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_trusted_servers_dmarc_fail_opens_a_marked_incident_instead_of_adding_to_the_contacts()
    {
        var (mailbox, user) = await ServiceMailbox("speak-dmarc", trusted: [TrustedServer]);
        fixture.Dovecot.Deliver(user, TestMail.ToBytes(Customer("ann@victim.example", "Ann", "Password reset", "I cannot log in.")));
        var reference = (await PollAndBuild(mailbox, "speak-dmarc")).Single().Reference;
        await fixture.Smtp.WaitFor(m => m.Message.Subject?.Contains(reference) == true, MailWait);

        // The From is Ann's, so secure update alone would let it in; the receiving server found the From forged.
        var spoofed = Customer("ann@victim.example", "Ann", $"Re: [Incident: {reference}] Password reset", "Please change my address to mallory@attacker.example.");
        fixture.Dovecot.Deliver(user, Received(TestMail.ToBytes(spoofed),
            $"Authentication-Results: {TrustedServer}; spf=fail smtp.mailfrom=attacker.example; dmarc=fail (p=reject) header.from=victim.example"));
        var all = await PollAndBuild(mailbox, "speak-dmarc");

        Assert.Equal(2, all.Count);
        Assert.Single((await Incident(reference)).Thread, e => e.Author == EntryAuthor.Customer);
        var marked = await Incident(all.Single(i => i.Reference != reference).Reference);
        Assert.Contains("dmarc-failed", marked.Incident.Tags);
        const string failed = $"DMARC failed (authserv-id {TrustedServer}: dmarc=fail header.from=victim.example)";
        Assert.Contains(marked.Thread, e => e.Author == EntryAuthor.System && e.Body.StartsWith($"{failed}: the From address is not proven", StringComparison.Ordinal));
        Assert.Contains(marked.Thread, e => e.Author == EntryAuthor.System && e.Body.StartsWith($"This mail names incident {reference}, but was not added to it", StringComparison.Ordinal));
        Assert.Contains(marked.Thread, e => e.Author == EntryAuthor.System && e.Body == $"No acknowledgement sent: the From address failed DMARC and may be forged ({failed}).");
        await Task.Delay(500);
        Assert.DoesNotContain(fixture.Smtp.Messages, m => m.Message.Subject?.Contains(marked.Incident.Reference) == true);

        // A mailbox that trusts no authserv-id (the default) ignores the header: anyone could have written it.
        var (lenient, lenientUser) = await ServiceMailbox("speak-dmarc-untrusted");
        fixture.Dovecot.Deliver(lenientUser, TestMail.ToBytes(Customer("ann@victim.example", "Ann", "Password reset", "I cannot log in.")));
        var ignored = (await PollAndBuild(lenient, "speak-dmarc-untrusted")).Single().Reference;
        var unverified = Customer("ann@victim.example", "Ann", $"Re: [Incident: {ignored}] Password reset", "It works again.");
        fixture.Dovecot.Deliver(lenientUser, Received(TestMail.ToBytes(unverified), $"Authentication-Results: {TrustedServer}; dmarc=fail header.from=victim.example"));
        Assert.Single(await PollAndBuild(lenient, "speak-dmarc-untrusted"));
        Assert.Equal(2, (await Incident(ignored)).Thread.Count(e => e.Author == EntryAuthor.Customer));
    }

    [Fact]
    public async Task Authentication_results_the_sender_wrote_below_the_trusted_servers_own_are_ignored()
    {
        var (mailbox, user) = await ServiceMailbox("speak-forged-ar", trusted: [TrustedServer]);
        fixture.Dovecot.Deliver(user, TestMail.ToBytes(Customer("ann@victim.example", "Ann", "Delivery late", "Where is my parcel?")));
        var reference = (await PollAndBuild(mailbox, "speak-forged-ar")).Single().Reference;

        // A forger adds a "pass" under the trusted server's name to hide the real fail above it: the fail stands.
        var spoofed = Customer("ann@victim.example", "Ann", $"Re: [Incident: {reference}] Delivery late", "Cancel the order.");
        spoofed.Headers.Insert(0, new Header("Authentication-Results", $"{TrustedServer}; dmarc=pass header.from=victim.example"));
        fixture.Dovecot.Deliver(user, Received(TestMail.ToBytes(spoofed), $"Authentication-Results: {TrustedServer}; dmarc=fail header.from=victim.example"));
        // Ann's real mail, which someone had given a "fail" under the trusted server's name lower down: it is hers.
        var genuine = Customer("ann@victim.example", "Ann", $"Re: [Incident: {reference}] Delivery late", "It arrived, thanks.");
        genuine.Headers.Insert(0, new Header("Authentication-Results", $"{TrustedServer}; dmarc=fail header.from=victim.example"));
        fixture.Dovecot.Deliver(user, Received(TestMail.ToBytes(genuine), $"Authentication-Results: {TrustedServer}; dkim=pass header.d=victim.example; dmarc=pass header.from=victim.example"));
        var all = await PollAndBuild(mailbox, "speak-forged-ar");

        Assert.Equal(2, all.Count);
        Assert.Equal(
            ["Where is my parcel?", "It arrived, thanks."],
            (await Incident(reference)).Thread.Where(e => e.Author == EntryAuthor.Customer).Select(e => e.Body.Trim()));
        var marked = await Incident(all.Single(i => i.Reference != reference).Reference);
        Assert.Equal("Cancel the order.", marked.Thread.Single(e => e.Author == EntryAuthor.Customer).Body.Trim());
        Assert.Contains(marked.Thread, e => e.Body.StartsWith($"DMARC failed (authserv-id {TrustedServer}: dmarc=fail header.from=victim.example)", StringComparison.Ordinal));
    }

    /// <summary>The message as the trusted receiving server hands it on: its verdict and its Received line on top.</summary>
    private static byte[] Received(byte[] raw, string authenticationResults) =>
        [.. Encoding.ASCII.GetBytes($"{authenticationResults}\r\nReceived: from relay.attacker.example by {TrustedServer}; {DateTimeOffset.UtcNow:r}\r\n"), .. raw];

    private ICertificateGrain Certificates => fixture.Client.GetGrain<ICertificateGrain>(Tenant);

    private async Task ImportPki()
    {
        await Certificates.Import(TestPki.Pem(Pki.Ca), null, CertificateKind.SmimeCa);
        await Certificates.Import(TestPki.Pkcs12(Pki.Mailbox), TestPki.Password, null);
        await Certificates.Import(Pki.Crl, null, null);
    }

    private async Task<(IMailboxGrain Mailbox, string User)> ServiceMailbox(string name, string[]? trusted = null, bool allowAnyReplyTo = false, SmimeSettings? smime = null)
    {
        var (user, password) = fixture.NewUser();
        var incoming = fixture.Pop3(user, password) with { TrustedAuthServIds = trusted ?? [], AllowAnyReplyTo = allowAnyReplyTo };
        var mailbox = await fixture.Mailbox(name, incoming, s => s with { Outgoing = fixture.Relay(), Smime = smime });
        return (mailbox, user);
    }

    private async Task<IReadOnlyList<IncidentSummary>> PollAndBuild(IMailboxGrain mailbox, string name)
    {
        await PollingFixture.PollAndWait(mailbox);
        await fixture.Client.GetGrain<IIncidentBuilderGrain>(MailboxKey.For(Tenant, name)).Drain();
        return (await fixture.Client.GetGrain<IIncidentListGrain>(0).List(new IncidentQuery(Tenant, Mailbox: name, Take: 1000))).Incidents;
    }

    private async Task<IncidentDetails> Incident(string reference) =>
        await fixture.Client.GetGrain<IIncidentGrain>(IncidentKey.For(Tenant, reference)).Get() ?? throw new InvalidOperationException($"no incident {reference}");

    private static MimeMessage Customer(string address, string name, string subject, string body)
    {
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress(name, address));
        message.To.Add(MailboxAddress.Parse("support@example.com"));
        message.Subject = subject;
        message.MessageId = MimeKit.Utils.MimeUtils.GenerateMessageId("customer.example");
        message.Date = DateTimeOffset.UtcNow;
        message.Body = new TextPart("plain") { Text = body };
        return message;
    }
}
