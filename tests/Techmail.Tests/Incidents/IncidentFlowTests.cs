using MimeKit;
using Techmail.Incidents;
using Techmail.Mailboxes;
using Techmail.Outgoing;
using Techmail.Quarantine;
using Techmail.Rules;
using Techmail.Tests.Polling;
using Techmail.Tests.Support;

namespace Techmail.Tests.Incidents;

/// <summary>
/// Customer mail through a real Dovecot into incidents, and the mail Techmail sends about them through a real SMTP
/// server, on both databases.
/// </summary>
[Collection(PollingCollection.Name)]
public sealed class SqliteIncidentFlowTests(SqlitePollingFixture fixture) : IncidentFlowTests(fixture);

[Collection(PostgresPollingCollection.Name)]
public sealed class PostgresIncidentFlowTests(PostgresPollingFixture fixture) : IncidentFlowTests(fixture);

public abstract class IncidentFlowTests(PollingFixture fixture)
{
    private const string Tenant = "poll";
    private static readonly TimeSpan MailWait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task A_customer_mail_becomes_an_incident_acknowledged_from_the_mailbox_and_the_reply_threads_onto_it()
    {
        var (mailbox, user) = await ServiceMailbox("flow-ack");
        var pdf = System.Security.Cryptography.RandomNumberGenerator.GetBytes(40_000);
        var first = Customer("ann@flow-customer.example", "Ann Example", "Printer on fire", "My printer is on fire.", ("report.pdf", pdf));
        fixture.Dovecot.Deliver(user, TestMail.ToBytes(first));

        var reference = (await PollAndBuild(mailbox, "flow-ack")).Single().Reference;
        var ack = await fixture.Smtp.WaitFor(m => m.Message.Subject?.Contains(reference) == true, MailWait);

        Assert.Equal("techmail@example.com", ack.EnvelopeFrom);
        Assert.Equal(["ann@flow-customer.example"], ack.Recipients);
        Assert.Equal("\"Example Support\" <support@example.com>", ack.Message.From.ToString());
        Assert.Equal("replies@example.com", ack.Message.ReplyTo.Mailboxes.Single().Address);
        Assert.Equal("auto-replied", ack.Message.Headers["Auto-Submitted"]);
        Assert.Equal("acknowledgement", ack.Message.Headers[MailSender.GeneratedHeader]);
        Assert.Equal($"[Incident: {reference}] Printer on fire", ack.Message.Subject);
        Assert.Equal(first.MessageId, ack.Message.InReplyTo);
        Assert.StartsWith($"tm.{reference}.", ack.Message.MessageId);
        Assert.Contains(reference, ack.Message.TextBody);

        var incident = await Incident(reference);
        Assert.Equal(IncidentStatus.New, incident.Incident.Status);
        Assert.Equal("ann@flow-customer.example", incident.Incident.Contact);
        Assert.Equal("flow-ack", incident.Incident.Mailbox);
        var customerEntry = incident.Thread[0];
        Assert.Equal(EntryAuthor.Customer, customerEntry.Author);
        Assert.Equal("My printer is on fire.", customerEntry.Body.Trim());
        var attachment = await fixture.Client.GetGrain<IIncidentGrain>(IncidentKey.For(Tenant, reference)).Attachment(1, 0);
        Assert.Equal("report.pdf", attachment!.Info.FileName);
        Assert.Equal(pdf, attachment.Content);
        Assert.Contains(incident.Thread, e => e.Author == EntryAuthor.System && e.MessageId == $"<{ack.Message.MessageId}>");

        // The customer answers the acknowledgement from a client that rewrote the subject: the token finds it.
        var reply = Customer("ann@flow-customer.example", "Ann Example", "Re: what now", "It is still burning.");
        reply.InReplyTo = ack.Message.MessageId;
        reply.References.Add(ack.Message.MessageId!);
        fixture.Dovecot.Deliver(user, TestMail.ToBytes(reply));
        await PollAndBuild(mailbox, "flow-ack");

        incident = await Incident(reference);
        Assert.Equal(IncidentStatus.Updated, incident.Incident.Status);
        Assert.Equal(["My printer is on fire.", "It is still burning."], incident.Thread.Where(e => e.Author == EntryAuthor.Customer).Select(e => e.Body.Trim()));
        Assert.Single(await Incidents("flow-ack"));
        // One acknowledgement only: replies to an incident are not acknowledged again.
        await Task.Delay(500);
        Assert.Single(fixture.Smtp.Messages, m => m.Message.Subject?.Contains(reference) == true);
    }

    [Fact]
    public async Task A_forged_token_or_someone_elses_reference_opens_a_new_incident()
    {
        var (mailbox, user) = await ServiceMailbox("flow-forged");
        fixture.Dovecot.Deliver(user, TestMail.ToBytes(Customer("bob@flow-customer.example", "Bob", "Invoice wrong", "Please fix my invoice.")));
        var original = (await PollAndBuild(mailbox, "flow-forged")).Single().Reference;

        // A made-up token with the right shape but no valid signature.
        var forged = Customer("mallory@attacker.example", "Mallory", "Re: anything", "Put me on Bob's incident.");
        forged.InReplyTo = $"tm.{original}.abcdefgh.0123456789abcdef@example.com";
        // Bob's reference in the subject, but from someone who is not Bob (secure update).
        var stranger = Customer("eve@other.example", "Eve", $"Re: [Incident: {original}] Invoice wrong", "I also have an opinion.");
        fixture.Dovecot.Deliver(user, TestMail.ToBytes(forged));
        fixture.Dovecot.Deliver(user, TestMail.ToBytes(stranger));
        await PollAndBuild(mailbox, "flow-forged");

        var all = await Incidents("flow-forged");
        Assert.Equal(3, all.Count);
        Assert.Single((await Incident(original)).Thread, e => e.Author == EntryAuthor.Customer);
        var eves = await Incident(all.Single(i => i.Contact == "eve@other.example").Reference);
        Assert.Contains(eves.Thread, e => e.Author == EntryAuthor.System && e.Body.Contains(original) && e.Body.Contains("secure update"));
    }

    [Fact]
    public async Task A_reply_to_a_solved_incident_reopens_it_and_an_agent_reply_reaches_the_customer_and_threads_back()
    {
        var (mailbox, user) = await ServiceMailbox("flow-agent");
        var question = Customer("carol@flow-customer.example", "Carol", "Password reset", "I cannot log in.");
        fixture.Dovecot.Deliver(user, TestMail.ToBytes(question));
        var reference = (await PollAndBuild(mailbox, "flow-agent")).Single().Reference;
        var incident = fixture.Client.GetGrain<IIncidentGrain>(IncidentKey.For(Tenant, reference));

        var label = "the label"u8.ToArray();
        var receipt = await incident.Reply(new AgentReply("Use the reset link.", "agent.smith", [new ReplyAttachment("label.txt", "text/plain", label)], IncidentStatus.Solved));
        var sent = await fixture.Smtp.WaitFor(m => $"<{m.Message.MessageId}>" == receipt.MessageId, MailWait);
        Assert.Equal(["carol@flow-customer.example"], sent.Recipients);
        Assert.Equal("techmail@example.com", sent.EnvelopeFrom);
        Assert.Equal(question.MessageId, sent.Message.InReplyTo);
        Assert.Equal($"[Incident: {reference}] Password reset", sent.Message.Subject);
        using var decoded = new MemoryStream();
        ((MimePart)sent.Message.Attachments.Single()).Content!.DecodeTo(decoded);
        Assert.Equal(label, decoded.ToArray());
        Assert.Equal(IncidentStatus.Solved, (await Incident(reference)).Incident.Status);

        var thanks = Customer("carol@flow-customer.example", "Carol", "Re: Password reset", "It works now, but one more thing.");
        thanks.InReplyTo = sent.Message.MessageId;
        fixture.Dovecot.Deliver(user, TestMail.ToBytes(thanks));
        await PollAndBuild(mailbox, "flow-agent");

        var details = await Incident(reference);
        Assert.Equal(IncidentStatus.Updated, details.Incident.Status);
        Assert.Equal([EntryAuthor.Customer, EntryAuthor.Agent, EntryAuthor.Customer], details.Thread.Where(e => e.Author != EntryAuthor.System).Select(e => e.Author));
        Assert.Single(await Incidents("flow-agent"));
    }

    [Fact]
    public async Task Rules_route_new_incidents_and_can_suppress_the_acknowledgement()
    {
        var (mailbox, user) = await ServiceMailbox("flow-rules");
        await fixture.Client.GetGrain<IRulesGrain>(Tenant).Import(
            """
            {
              "rules": [
                {
                  "name": "billing",
                  "match": "all",
                  "conditions": [
                    { "field": "mailbox", "op": "equals", "value": "flow-rules" },
                    { "field": "subject", "op": "regex", "value": "invoice|refund" }
                  ],
                  "actions": { "queue": "billing", "priority": "high", "addTags": ["money"] }
                },
                {
                  "name": "partners-quietly",
                  "match": "all",
                  "conditions": [
                    { "field": "mailbox", "op": "equals", "value": "flow-rules" },
                    { "field": "senderDomain", "op": "equals", "value": "partner.example" }
                  ],
                  "actions": { "queue": "partners", "suppressAcknowledgement": true, "stop": true }
                }
              ]
            }
            """);
        fixture.Dovecot.Deliver(user, TestMail.ToBytes(Customer("dan@flow-customer.example", "Dan", "Refund please", "I want my money back.")));
        fixture.Dovecot.Deliver(user, TestMail.ToBytes(Customer("pat@partner.example", "Pat", "Invoice for October", "Attached.")));
        fixture.Dovecot.Deliver(user, TestMail.ToBytes(Customer("joe@flow-customer.example", "Joe", "Hello", "Just saying hi.")));
        await PollAndBuild(mailbox, "flow-rules");

        var all = (await Incidents("flow-rules")).ToDictionary(i => i.Contact);
        Assert.Equal(("billing", "high"), (all["dan@flow-customer.example"].Queue, all["dan@flow-customer.example"].Priority));
        Assert.Equal(["money"], all["dan@flow-customer.example"].Tags);
        Assert.Equal(["billing"], all["dan@flow-customer.example"].RulesFired);
        Assert.Equal(["billing", "partners-quietly"], all["pat@partner.example"].RulesFired);
        Assert.Equal("partners", all["pat@partner.example"].Queue);
        Assert.Null(all["joe@flow-customer.example"].Queue);
        Assert.Empty(all["joe@flow-customer.example"].RulesFired);

        await fixture.Smtp.WaitFor(m => m.Recipients.Contains("dan@flow-customer.example"), MailWait);
        await fixture.Smtp.WaitFor(m => m.Recipients.Contains("joe@flow-customer.example"), MailWait);
        Assert.DoesNotContain(fixture.Smtp.Messages, m => m.Recipients.Contains("pat@partner.example"));
        Assert.Contains((await Incident(all["pat@partner.example"].Reference)).Thread, e => e.Body.StartsWith("No acknowledgement sent: suppressed by the rules"));
    }

    [Fact]
    public async Task A_reply_is_stored_with_its_reply_text_and_rules_match_the_reply_not_the_quote_unless_they_ask()
    {
        var (mailbox, user) = await ServiceMailbox("flow-reply-text");
        // Scoped to this mailbox, so the tenant's other tests are not routed by them.
        await fixture.Client.GetGrain<IRulesGrain>(Tenant).Import(
            """
            {
              "rules": [
                {
                  "name": "refund-asked",
                  "conditions": [
                    { "field": "mailbox", "op": "equals", "value": "flow-reply-text" },
                    { "field": "body", "op": "contains", "value": "refund" }
                  ],
                  "actions": { "queue": "billing" }
                },
                {
                  "name": "refund-anywhere",
                  "conditions": [
                    { "field": "mailbox", "op": "equals", "value": "flow-reply-text" },
                    { "field": "body", "op": "contains", "value": "refund", "fullBody": true }
                  ],
                  "actions": { "addTags": ["refund-mentioned"] }
                }
              ]
            }
            """);
        fixture.Dovecot.Deliver(user, TestMail.ToBytes(Customer("eve@flow-customer.example", "Eve", "Order 7781", "Where is my order 7781?")));
        var reference = (await PollAndBuild(mailbox, "flow-reply-text")).Single().Reference;
        var ack = await fixture.Smtp.WaitFor(m => m.Message.Subject?.Contains(reference) == true, MailWait);

        // The answer quotes the acknowledgement, and the word the rules look for is only in the quote.
        const string answer = "It arrived this morning, all fine.";
        var quote = $"On Mon, 7 Dec 2026 at 09:00, Example Support <support@example.com> wrote:\n> If it does not arrive by Friday, we refund it.\n> Incident {reference}";
        var reply = Customer("eve@flow-customer.example", "Eve", $"Re: {ack.Message.Subject}", $"{answer}\n\nBest regards,\nEve Adams\n\n{quote}");
        reply.InReplyTo = ack.Message.MessageId;
        fixture.Dovecot.Deliver(user, TestMail.ToBytes(reply));
        await PollAndBuild(mailbox, "flow-reply-text");

        var incident = await Incident(reference);
        var entries = incident.Thread.Where(e => e.Author == EntryAuthor.Customer).ToList();
        Assert.Equal(2, entries.Count);
        Assert.Equal("Where is my order 7781?", entries[0].ReplyText);
        Assert.Equal(answer, entries[1].ReplyText);
        Assert.Contains("we refund it", entries[1].Body);
        Assert.All(incident.Thread.Where(e => e.Author != EntryAuthor.Customer), e => Assert.Null(e.ReplyText));
        Assert.DoesNotContain("refund-asked", incident.Incident.RulesFired);
        Assert.Null(incident.Incident.Queue);
        Assert.Contains("refund-anywhere", incident.Incident.RulesFired);
        Assert.Contains("refund-mentioned", incident.Incident.Tags);
    }

    [Fact]
    public async Task An_auto_reply_gets_no_acknowledgement_and_a_loop_of_100_is_held_after_23()
    {
        var (mailbox, user) = await ServiceMailbox("flow-loop");
        for (var i = 0; i < 100; i++)
        {
            var vacation = Customer("robot@autoresponder.example", "Out of office", $"Automatic reply: ticket {i}", "I am away until Monday.");
            vacation.Headers.Add("Auto-Submitted", "auto-replied");
            fixture.Dovecot.Deliver(user, TestMail.ToBytes(vacation));
        }

        var incidents = await PollAndBuild(mailbox, "flow-loop");

        Assert.Equal(100, await fixture.Inbound("flow-loop"));
        Assert.Equal(23, incidents.Count);
        var held = await fixture.Client.GetGrain<IQuarantineGrain>(Tenant).List("flow-loop", false, 200);
        Assert.Equal(77, held.Count);
        Assert.All(held, q => Assert.StartsWith("held: robot@autoresponder.example sent", q.Reason));
        Assert.Equal(0, fixture.Dovecot.CountMessages(user));
        await Task.Delay(500);
        Assert.DoesNotContain(fixture.Smtp.Messages, m => m.Recipients.Contains("robot@autoresponder.example"));
        var first = await Incident(incidents[^1].Reference);
        Assert.Contains(first.Thread, e => e.Body.StartsWith("No acknowledgement sent: the mail is automated (Auto-Submitted: auto-replied)"));

        // An admin who decides one held mail matters releases it past the flood gate.
        await mailbox.Reprocess(held[0].Id);
        await fixture.Client.GetGrain<IIncidentBuilderGrain>(MailboxKey.For(Tenant, "flow-loop")).Drain();
        Assert.Equal(24, (await Incidents("flow-loop")).Count);
        Assert.Equal(76, (await fixture.Client.GetGrain<IQuarantineGrain>(Tenant).List("flow-loop", false, 200)).Count);
    }

    private async Task<(IMailboxGrain Mailbox, string User)> ServiceMailbox(string name)
    {
        var (user, password) = fixture.NewUser();
        var mailbox = await fixture.Mailbox(name, fixture.Pop3(user, password), s => s with { Outgoing = fixture.Relay() with { ReplyTo = "replies@example.com" } });
        return (mailbox, user);
    }

    /// <summary>Polls, waits until the mailbox's incident builder has built everything recorded, and lists the mailbox's incidents.</summary>
    private async Task<IReadOnlyList<IncidentSummary>> PollAndBuild(IMailboxGrain mailbox, string name)
    {
        await PollingFixture.PollAndWait(mailbox);
        await fixture.Client.GetGrain<IIncidentBuilderGrain>(MailboxKey.For(Tenant, name)).Drain();
        return await Incidents(name);
    }

    private async Task<IReadOnlyList<IncidentSummary>> Incidents(string mailbox) =>
        (await fixture.Client.GetGrain<IIncidentListGrain>(0).List(new IncidentQuery(Tenant, Mailbox: mailbox, Take: 1000))).Incidents;

    private async Task<IncidentDetails> Incident(string reference) =>
        await fixture.Client.GetGrain<IIncidentGrain>(IncidentKey.For(Tenant, reference)).Get() ?? throw new InvalidOperationException($"no incident {reference}");

    private static MimeMessage Customer(string address, string name, string subject, string body, params (string Name, byte[] Content)[] files)
    {
        var builder = new BodyBuilder { TextBody = body };
        foreach (var (fileName, content) in files)
        {
            builder.Attachments.Add(fileName, content);
        }

        var message = new MimeMessage();
        message.From.Add(new MailboxAddress(name, address));
        message.To.Add(MailboxAddress.Parse("support@example.com"));
        message.Subject = subject;
        message.MessageId = MimeKit.Utils.MimeUtils.GenerateMessageId("customer.example");
        message.Date = DateTimeOffset.UtcNow;
        message.Body = builder.ToMessageBody();
        return message;
    }
}
