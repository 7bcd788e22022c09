using MimeKit;
using Techmail.Bounces;
using Techmail.Certificates;
using Techmail.Intake;
using Techmail.Contacts;
using Techmail.Faults;
using Techmail.Incidents.Parsing;
using Techmail.Incidents.Speaker;
using Techmail.Incidents.Threading;
using Techmail.Mailboxes;
using Techmail.Outgoing;
using Techmail.Polling;
using Techmail.Quarantine;
using Techmail.Rules;
using Techmail.Security;

namespace Techmail.Incidents;

/// <summary>
/// Decides what one recorded Service mail becomes: reads it, holds floods, finds or creates the contact, threads it,
/// applies the tenant's rules and composes the acknowledgement. Writes nothing but quarantine rows; the plan it returns
/// is written by <see cref="IncidentBatch"/>, many mails to one transaction.
/// </summary>
public sealed class ServiceMailProcessor(
    IGrainFactory grains,
    IncidentStore incidents,
    ReferenceBlockAllocator references,
    TrackingKeys trackingKeys,
    ContactStore contacts,
    QuarantineStore quarantine,
    RuleSetCache rules,
    IncidentPolicy policy,
    CertificateStore certificates,
    TimeProvider time)
{
    /// <summary>
    /// Parses and reads one mail: the CPU-heavy part (MIME, charsets, base64, SHA-256), which touches no state and so
    /// runs for a whole batch in parallel before the decisions, which must be taken one mail at a time, in order.
    /// </summary>
    public static ReadMail Read(PendingInbound row)
    {
        var mime = row.Parsed;
        if (mime is null && !MessageParsing.TryParse(row.Raw, out mime, out var problem))
        {
            return new ReadMail(row, null, null, problem);
        }

        var read = CustomerMessageReader.Read(mime, row.Raw, row.MessageKey);
        return read.IsMessage ? new ReadMail(row, mime, read.Message, null) : new ReadMail(row, mime, null, read.Problem);
    }

    /// <summary>What the decisions for a batch share, fetched once: the rules, the tracking key, the senders' contact rows.</summary>
    /// <param name="mailbox">The mailbox the mail came to, as it is configured now.</param>
    /// <param name="flood">The mailbox's flood gate; a released message (an admin's reprocess) does not pass it.</param>
    public async Task<BatchContext> Context(MailboxView mailbox, SenderFloodGate flood, IReadOnlyList<ReadMail> mails)
    {
        var senders = mails.Select(m => m.Message?.Sender).OfType<CustomerAddress>().DistinctBy(s => s.LookupKey).ToList();
        var stored = await contacts.GetMany(mailbox.Tenant, [.. senders.Select(s => s.LookupKey)]);
        // All senders of the batch at once: each is a grain of its own, and asking them one after the other would
        // make the batch wait for every activation in turn. A sender whose lookup fails on its own account is left
        // out: its mail asks again while it is planned, where the failure sets only that mail aside.
        var lookups = await Task.WhenAll(senders.Select(s => MessageIsolation.One<ContactLookup?>(
            async () => await grains.GetGrain<IContactGrain>(AddressKey.For(mailbox.Tenant, s.LookupKey))
                .FindOrCreate(s.DisplayName, policy.CreateContacts, new StoredContact(stored.GetValueOrDefault(s.LookupKey))),
            _ => Task.FromResult<ContactLookup?>(null))));
        var ids = policy.DuplicateWindow > TimeSpan.Zero
            ? mails.Select(m => m.Message).Where(m => m is { MessageIdIsSynthetic: false }).Select(m => m!.MessageId).ToList()
            : [];
        return new BatchContext(
            mailbox,
            flood,
            await rules.For(mailbox.Tenant),
            await trackingKeys.For(mailbox.Tenant),
            senders.Zip(lookups).Where(l => l.Second is not null).ToDictionary(l => l.First.LookupKey, l => l.Second!, StringComparer.Ordinal),
            new(await incidents.CustomerMail(mailbox.Tenant, mailbox.Name, ids, [.. mails.Select(m => m.Row.MessageKey)], time.GetUtcNow() - policy.DuplicateWindow)));
    }

    /// <param name="beforeThreading">
    /// Called before looking for the incident a mail answers, when it names one: plans not yet written must be, or a
    /// reply planned in the same batch as the mail it answers would not find it.
    /// </param>
    public async Task<MailPlan> Plan(BatchContext batch, ReadMail read, Func<Task> beforeThreading)
    {
        var (mailbox, flood, row) = (batch.Mailbox, batch.Flood, read.Row);
        var tenant = mailbox.Tenant;
        if (read.Message is null)
        {
            return await Quarantine(mailbox, row, FromAddress(read.Mime), read.Mime?.Subject, read.Problem ?? "cannot be read");
        }

        var (mime, message) = (read.Mime!, read.Message);

        // --- S/MIME: decrypt and verify before anything reads the mail; refusals go to quarantine with the reason.
        SmimeKeyring? keyring = null;
        SmimeResult? smime = null;
        if (SmimeIntake.Concerns(mime, mailbox.Settings.Smime))
        {
            keyring = await SmimeKeyring.Load(certificates, tenant);
            // The signer must be the customer who speaks: the From the contact is made of.
            var opened = SmimeIntake.Open(mime, message.Sender.Address, keyring, mailbox.Settings.Smime, time.GetUtcNow());
            if (opened.Refusal is { } refusal)
            {
                return await Quarantine(mailbox, row, FromAddress(mime), opened.Message.Subject, refusal);
            }

            if (opened.Harvest is { } signerCertificate)
            {
                await certificates.Harvest(tenant, CertificateFile.Harvested(signerCertificate, time.GetUtcNow()));
                keyring = null; // reloaded with the harvest, so the acknowledgement can be encrypted to it
            }

            (mime, smime) = (opened.Message, opened.Result);
            // The batch read the envelope; what the customer wrote is inside it.
            var inner = CustomerMessageReader.Read(mime, row.Raw, row.MessageKey);
            if (!inner.IsMessage)
            {
                return await Quarantine(mailbox, row, FromAddress(mime), mime.Subject, inner.Problem);
            }

            message = inner.Message;
        }

        // --- end S/MIME
        var sender = message.Sender.LookupKey;
        if (batch.Delivered.GetValueOrDefault((message.MessageId, sender)) is { } original)
        {
            // Before the flood gate: a copy is not another message from the sender.
            var reason = $"a second copy of {message.MessageId} from {sender}, already in incident {original}";
            return new MailPlan.Duplicate(
                row.MessageKey,
                original,
                new TraceEntry(row.MessageKey, row.ServerUid, message.MessageId, sender, message.Subject, row.Raw.LongLength, TraceVerdict.Duplicate, reason, time.GetUtcNow()));
        }

        if (!row.Released && FloodHold(flood, message) is { } held)
        {
            await quarantine.Hold(tenant, mailbox.Name, row.MessageKey, row.ServerUid, sender, message.Subject, row.Raw, MailStage.IncidentBuilder, held);
            return new MailPlan.SetAside(row.MessageKey, InboundOutcome.Held, held);
        }

        // Only when a receiving server the mailbox trusts says so; the headers are anyone's to write otherwise.
        var dmarc = DmarcFailure.Find(message.Headers, mailbox.Settings.Incoming?.TrustedAuthServIds ?? []);

        // A sender's second mail in the batch finds the contact its first one made. A sender only the decrypted
        // mail names was not looked up with the batch.
        var contact = batch.Contacts.GetValueOrDefault(sender)
            ?? await grains.GetGrain<IContactGrain>(AddressKey.For(tenant, sender)).FindOrCreate(message.Sender.DisplayName, policy.CreateContacts);
        if (!batch.SeenSenders.Add(sender) && contact.Contact is not null)
        {
            contact = contact with { Existed = true };
        }

        if (contact.Contact is null)
        {
            return await Quarantine(mailbox, row, sender, message.Subject, $"{sender} is not a contact and contacts are not created automatically");
        }

        var key = batch.TrackingKey;
        if (message.InReplyTo is not null || message.References.Count > 0 || IncidentReference.FindInSubject(message.Subject) is not null)
        {
            await beforeThreading();
        }

        var match = await ThreadFinder.Find(
            message,
            tenant,
            key,
            ids => incidents.ReferenceOfMessageIds(tenant, ids),
            async reference => await incidents.Get(tenant, reference) is not null);
        var existing = match is null ? null : await incidents.Get(tenant, match.Reference);
        var decision = ThreadDecision.Decide(match, existing, sender, dmarc, policy, message.SenderSource);
        var outcome = RuleEngine.Evaluate(batch.Rules, RuleInput.FromMessage(message, mailbox.Name, contact.Existed, decision is ThreadDecision.Open));
        var now = time.GetUtcNow();
        var entry = new NewEntry(
            EntryAuthor.Customer,
            sender,
            message.TextBody,
            now,
            message.MessageId,
            row.MessageKey,
            [.. message.Attachments.Select(a => new NewAttachment(a.FileName, a.ContentType, a.Sha256, a.Inline, a.ContentId, a.Content))],
            smime,
            message.ReplyText);

        if (decision is ThreadDecision.Append append)
        {
            Delivered(batch, message, append.Reference);
            var changes = new IncidentChanges(outcome.Status ?? IncidentStatus.Updated, outcome.Queue, outcome.Priority, outcome.Category, outcome.Assignee);
            return new MailPlan.Add(row.MessageKey, contact.Contact, append.Reference, new CustomerUpdate(entry, changes, outcome.Tags, outcome.Fired));
        }

        var open = (ThreadDecision.Open)decision;
        var reference = (await references.Next(tenant, DateOnly.FromDateTime(now.UtcDateTime), CancellationToken.None)).ToString();
        Delivered(batch, message, reference);
        var incident = new IncidentSummary(
            reference,
            message.Subject.Length == 0 ? "(no subject)" : message.Subject,
            sender,
            mailbox.Name,
            outcome.Status ?? IncidentStatus.New,
            outcome.Queue,
            outcome.Priority,
            outcome.Category,
            outcome.Assignee,
            // A tag as well as the thread's note, so agents can list such incidents.
            dmarc is null || outcome.Tags.Contains(DmarcFailure.Tag, StringComparer.OrdinalIgnoreCase) ? outcome.Tags : [.. outcome.Tags, DmarcFailure.Tag],
            outcome.Fired,
            now,
            now);
        var thread = new List<NewEntry> { entry };
        if (message.Notes.Count > 0)
        {
            thread.Add(Note(now, $"Repaired while reading the mail: {string.Join("; ", message.Notes)}."));
        }

        if (dmarc is not null)
        {
            thread.Add(Note(now, $"{dmarc.Describe()}: the From address is not proven, so this mail may not add to an existing incident and is not acknowledged."));
        }

        if (open.Mentions is { } mentioned)
        {
            thread.Add(Note(now, $"This mail names incident {mentioned}, but was not added to it: {open.Why}."));
        }

        if (keyring is null && SmimeOutgoing.Applies(mailbox.Settings.Smime))
        {
            keyring = await SmimeKeyring.Load(certificates, tenant);
        }

        var (acknowledgement, note) = Acknowledge(mailbox, message, mime, outcome, dmarc, reference, key, keyring, now);
        thread.Add(note with { MessageKey = $"ack:{row.MessageKey}" });
        return new MailPlan.Open(row.MessageKey, contact.Contact, incident, thread, acknowledgement);
    }

    /// <summary>
    /// Counts the mail against its From and against its Reply-To (one address, one count, when they are the same), and
    /// says why it is held when either has had too much: a sender rotating one of the two is still caught by the other.
    /// </summary>
    private static string? FloodHold(SenderFloodGate flood, CustomerMessage message)
    {
        var sender = message.Sender.LookupKey;
        var bySender = flood.Admit(sender);
        var replyTo = message.ReplyTo?.LookupKey is { } named && named != sender ? named : null;
        var byReplyTo = replyTo is null ? null : flood.Admit(replyTo);
        var window = $"{flood.Policy.Window.TotalHours:0.#} hours (at most {flood.Policy.MaxMessages}); reprocess to open an incident anyway";
        if (bySender.Held)
        {
            return $"held: {sender} sent {bySender.MessagesInWindow} messages within {window}";
        }

        return byReplyTo is { Held: true }
            ? $"held: {byReplyTo.MessagesInWindow} messages named {replyTo} as sender or Reply-To within {window}"
            : null;
    }

    /// <summary>Notes the mail as delivered, so a copy later in the batch is known for one before this mail is written.</summary>
    private static void Delivered(BatchContext batch, CustomerMessage message, string reference)
    {
        if (!message.MessageIdIsSynthetic)
        {
            batch.Delivered[(message.MessageId, message.Sender.LookupKey)] = reference;
        }
    }

    /// <summary>The acknowledgement to queue (null when none is due) and the thread's note saying what happened.</summary>
    private (QueuedMail? Mail, NewEntry Note) Acknowledge(
        MailboxView mailbox,
        CustomerMessage message,
        MimeMessage mime,
        RuleOutcome outcome,
        DmarcFailure? dmarc,
        string reference,
        byte[] trackingKey,
        SmimeKeyring? keyring,
        DateTimeOffset now)
    {
        var answer = AnswerAddress.For(message, mailbox.Settings.Incoming?.AllowAnyReplyTo ?? false);
        string? skipped = dmarc is not null
            ? $"the From address failed DMARC and may be forged ({dmarc.Describe()})"
            : AutomatedMailDetector.Detect(mime) is { } automated
            ? $"the mail is automated ({automated.Reason})"
            : outcome.SuppressAcknowledgement
                ? $"suppressed by the rules (fired: {string.Join(", ", outcome.Fired)})"
                : mailbox.Settings.Outgoing is null
                    ? $"mailbox '{mailbox.Name}' has no outgoing settings"
                    : !mailbox.Settings.Enabled ? $"mailbox '{mailbox.Name}' is disabled"
                    // Readers take what looks like an address from a broken header; the relay needs a deliverable one.
                    : !EmailAddress.IsValid(answer.Address.Address) ? $"the sender's address '{answer.Address.Address}' is not one mail can be sent to" : null;
        if (skipped is not null)
        {
            return (null, Note(now, $"No acknowledgement sent: {skipped}."));
        }

        // Said on the thread, so an agent sees why the answer went to the From and not where the mail asked.
        var ignored = answer.Ignored is { } why ? $" {why}." : "";

        var outgoing = mailbox.Settings.Outgoing!;
        // The name is the stranger's words too: it appears in the To header and the greeting.
        var customer = new MailboxAddress(EchoedText.Clean(answer.Address.DisplayName, EchoedText.NameLength), answer.Address.Address);
        var messageId = TrackingToken.Create(trackingKey, mailbox.Tenant, reference, MailboxAddress.Parse(outgoing.EnvelopeFrom).Domain);
        var ack = IncidentMail.Acknowledgement(
            outgoing,
            policy,
            reference,
            message.Subject,
            customer,
            message.MessageIdIsSynthetic ? null : message.MessageId,
            message.References,
            messageId,
            now);
        // --- S/MIME: sign and encrypt as the mailbox asks; when it cannot, nothing is queued and the thread says why.
        if (mailbox.Settings.Smime is { } smime && keyring is not null && SmimeOutgoing.Applies(smime))
        {
            using var protectedAck = MimeMessage.Load(new MemoryStream(ack, writable: false));
            if (SmimeOutgoing.Protect(protectedAck, smime, keyring, SmimeAddress.Of(outgoing), customer.Address, now).Refusal is { } refusal)
            {
                return (null, Note(now, $"No acknowledgement sent: {refusal}.{ignored}"));
            }

            ack = WireFormat.Bytes(protectedAck);
        }

        var mail = new QueuedMail(mailbox.Tenant, mailbox.Name, $"ack:{message.MessageKey}", reference, outgoing.EnvelopeFrom, [customer.Address], ack);
        return (mail, Note(now, $"Acknowledgement queued to {customer.Address}.{ignored}") with { MessageId = messageId });
    }

    /// <summary>Sets aside a mail whose planning or writing threw on its own account, keeping it whole for an admin.</summary>
    public Task<MailPlan> SetAside(string tenant, string mailbox, PendingInbound row, string? from, string? subject, Exception failure) =>
        Quarantine(tenant, mailbox, row, from, subject, $"could not be turned into an incident: {Faults.Faults.Summary(failure)}");

    /// <summary>
    /// Sets aside mail whose mailbox was removed after it was recorded: without the mailbox there are no settings to build
    /// it with nor an address to acknowledge it from. Added again, the mailbox takes it back through a reprocess.
    /// </summary>
    public async Task<MailPlan> Orphaned(string tenant, string mailbox, ReadMail read)
    {
        var reason = $"mailbox '{mailbox}' was removed before this mail became an incident; add the mailbox again and reprocess it, or drop it";
        return await Quarantine(tenant, mailbox, read.Row, FromAddress(read.Mime), read.Mime?.Subject, reason);
    }

    private Task<MailPlan> Quarantine(MailboxView mailbox, PendingInbound row, string? from, string? subject, string reason) =>
        Quarantine(mailbox.Tenant, mailbox.Name, row, from, subject, reason);

    private async Task<MailPlan> Quarantine(string tenant, string mailbox, PendingInbound row, string? from, string? subject, string reason)
    {
        await quarantine.Hold(tenant, mailbox, row.MessageKey, row.ServerUid, from, subject, row.Raw, MailStage.IncidentBuilder, reason);
        return new MailPlan.SetAside(row.MessageKey, InboundOutcome.Quarantined, reason);
    }

    /// <summary>The From address as written, for the quarantine's listing of mail intake could not use.</summary>
    public static string? FromAddress(MimeMessage? mime) => mime?.From.Mailboxes.FirstOrDefault()?.Address;

    private static NewEntry Note(DateTimeOffset now, string text) => new(EntryAuthor.System, null, text, now, null, null, []);
}

/// <summary>One mail parsed and read, or the reason it cannot be.</summary>
public sealed record ReadMail(PendingInbound Row, MimeMessage? Mime, CustomerMessage? Message, string? Problem);

/// <summary>What the decisions of one batch share.</summary>
/// <param name="Contacts">Each sender's contact lookup, by normalised address.</param>
/// <param name="Delivered">
/// Customer mail of the mailbox within the duplicate window, by Message-ID and sender, with its incident; mail planned
/// in the batch is added as it is planned.
/// </param>
public sealed record BatchContext(
    MailboxView Mailbox,
    SenderFloodGate Flood,
    RuleSet Rules,
    byte[] TrackingKey,
    IReadOnlyDictionary<string, ContactLookup> Contacts,
    Dictionary<(string MessageId, string Sender), string> Delivered)
{
    /// <summary>Senders whose mail has been planned in this batch.</summary>
    public HashSet<string> SeenSenders { get; } = new(StringComparer.Ordinal);
}
