using Microsoft.Extensions.Logging;
using Techmail.Contacts;
using Techmail.Intake;
using Techmail.Mailboxes;
using Techmail.Observability;
using Techmail.Outgoing;
using Techmail.Polling;
using Techmail.Webhooks;

namespace Techmail.Incidents;

/// <summary>
/// Writes a batch of planned mail in one transaction: new incidents with their first entries, their
/// acknowledgements in the outbox, the senders as contacts, and each mail's intake state. One commit per batch is
/// what lets incident creation keep up with polling on a database that syncs every commit to disk.
/// </summary>
public sealed class IncidentBatch(IncidentStore incidents, WebhookEvents webhooks, IGrainFactory grains, TimeProvider time, ILogger<IncidentBatch> logger)
{
    /// <param name="plans">The batch's plans; entries for existing incidents (<see cref="MailPlan.Add"/>) are already written.</param>
    public async Task Write(string tenant, string mailbox, IReadOnlyList<MailPlan> plans)
    {
        if (plans.Count == 0)
        {
            return;
        }

        var now = time.GetUtcNow();
        var opens = plans.OfType<MailPlan.Open>().ToList();
        var spans = MessageTrace.Source.HasListeners() ? plans.Select(p => Span(tenant, mailbox, p)).ToList() : null;
        var contacts = plans.Select(p => p.Contact).OfType<ContactView>().DistinctBy(c => c.Address).ToList();
        IReadOnlyDictionary<string, int>? hooked = null;
        await incidents.CreateMany(tenant, [.. opens.Select(o => (o.Incident, o.Thread))], async (connection, transaction) =>
        {
            await ContactStore.Save(connection, transaction, tenant, contacts, now);
            // Keyed by the customer mail: a batch written again after a crash finds its acknowledgements queued.
            await OutboxStore.EnqueueMany(connection, transaction, [.. opens.Select(o => o.Acknowledgement).OfType<QueuedMail>()], now);

            foreach (var group in plans.GroupBy(p => p switch
            {
                MailPlan.SetAside aside => aside.Outcome,
                MailPlan.Duplicate => InboundOutcome.Duplicate,
                _ => InboundOutcome.Done,
            }))
            {
                await InboundStore.Finish(connection, transaction, tenant, mailbox, [.. group.Select(p => p.MessageKey)], group.Key);
            }

            await MessageLedger.Record(connection, transaction, tenant, mailbox, [.. plans.OfType<MailPlan.Duplicate>().Select(d => d.Trace)]);
            // Keyed by the reference: an incident written again after a crash is the same event, queued once.
            hooked = await WebhookEvents.Queue(connection, transaction, [.. opens.Select(o => WebhookPayloads.IncidentCreated(tenant, o.Incident))], now);
        });

        // Counted once committed: a batch that failed is written again (whole or split) and counted then.
        TechmailMetrics.IncidentBatchWritten(opens.Count, opens.Count(o => o.Acknowledgement is not null));
        foreach (var span in spans ?? [])
        {
            span?.Dispose();
        }

        Built(tenant, mailbox, plans);
        await webhooks.Wake(hooked);

        if (opens.Any(o => o.Acknowledgement is not null))
        {
            await grains.GetGrain<IOutboxGrain>(MailboxKey.For(tenant, mailbox)).Wake();
        }
    }

    /// <summary>The builder's line about each mail of a committed batch, in the mail's scope; nothing unless debug lines are on.</summary>
    private void Built(string tenant, string mailbox, IReadOnlyList<MailPlan> plans)
    {
        if (!logger.IsEnabled(LogLevel.Debug))
        {
            return;
        }

        foreach (var plan in plans)
        {
            using (logger.BeginMessageScope(tenant, mailbox, plan.MessageKey))
            {
                logger.LogDebug("Mail {Key} of {Tenant}/{Mailbox} built: {Outcome} {Reference}", plan.MessageKey, tenant, mailbox, Outcome(plan), plan switch
                {
                    MailPlan.Open { Incident: var incident } => incident.Reference,
                    MailPlan.Add add => add.Reference,
                    MailPlan.Duplicate duplicate => duplicate.Reference,
                    _ => "",
                });
            }
        }
    }

    private static string Outcome(MailPlan plan) => plan switch
    {
        MailPlan.Open => "incident_created",
        MailPlan.Add => "entry_added",
        MailPlan.Duplicate => "duplicate",
        _ => "set_aside",
    };

    private static System.Diagnostics.Activity? Span(string tenant, string mailbox, MailPlan plan)
    {
        var span = MessageTrace.Start(MessageTrace.Incident, tenant, mailbox, plan.MessageKey, Outcome(plan));
        if (span is not null && plan is MailPlan.Open { Incident: var incident })
        {
            span.SetTag("techmail.incident.reference", incident.Reference);
        }

        return span;
    }
}
