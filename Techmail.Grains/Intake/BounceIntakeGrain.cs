using Microsoft.Extensions.Logging;
using Orleans.Concurrency;
using Techmail.Bounces;
using Techmail.Bounces.Ties;
using Techmail.Contacts;
using Techmail.Observability;
using Techmail.Polling;

namespace Techmail.Intake;

/// <summary>
/// Takes Marketing mail the mailbox has classified as bounces: ties each reported recipient to mail the tenant sent
/// (or finds it untied), records a bounce event on each tied address (which applies the invalid-address policy),
/// then the message and one bounce row per recipient, tied or not.
/// </summary>
[StatelessWorker]
public sealed class BounceIntakeGrain(InboundStore store, BounceTying tying, Mailings.MailingAttribution mailings, ILogger<BounceIntakeGrain> logger)
    : Grain, IBounceIntakeGrain
{
    public async Task<IntakeReceipt> Accept(IReadOnlyList<InboundMessage> messages)
    {
        var judged = await tying.Judge(messages);

        // Addresses first: each bounce is keyed by its message, so a retry after a failure here records nothing twice.
        // An untied report never reaches the address: the bounce address is public, and a forged report must not
        // invalidate or opt out anyone.
        var updates = new List<Task>();
        foreach (var j in judged.Where(j => j.IsTied))
        {
            var (m, b) = (j.Message, j.Finding);
            var bounce = new BounceEvent(m.Mailbox, m.MessageKey, b.Reason, b.HardBounce, b.Status, b.ReplyCode, b.Diagnostic, m.Mailing, DateTimeOffset.UtcNow);
            updates.Add(GrainFactory.GetGrain<IAddressGrain>(AddressKey.For(m.Tenant, b.Address)).RecordBounce(bounce));
        }

        // A mailing's recipient hears of its bounce before the message is recorded, like its address: each mailing event
        // is keyed by the report's message key, so a retry counts nothing twice.
        foreach (var (mailing, bounce) in await mailings.Attribute(judged))
        {
            updates.Add(GrainFactory.GetGrain<Mailings.IMailingGrain>(mailing).RecordBounce(bounce));
        }

        var spans = MessageTrace.Source.HasListeners()
            ? messages.Select(m => MessageTrace.Start(MessageTrace.Bounce, m.Tenant, m.Mailbox, m.MessageKey, m.Bounces is { Count: > 0 } found ? found[0].Reason : "none")).ToList()
            : null;
        try
        {
            await Task.WhenAll(updates);
            var receipt = await store.Record("bounce", messages, (connection, transaction, now) => BounceStore.Record(connection, transaction, judged, now));
            foreach (var b in messages.SelectMany(m => m.Bounces ?? []))
            {
                TechmailMetrics.BounceRecorded(b.Reason, b.HardBounce);
            }

            Recorded(judged);
            return receipt;
        }
        finally
        {
            foreach (var span in spans ?? [])
            {
                span?.Dispose();
            }
        }
    }

    /// <summary>
    /// Bounce intake's line about each recipient a report names, in its message's scope; nothing unless debug lines are on.
    /// The address stays out of the log: the bounce list has it for those allowed to see it.
    /// </summary>
    private void Recorded(IReadOnlyList<JudgedBounce> judged)
    {
        if (!logger.IsEnabled(LogLevel.Debug))
        {
            return;
        }

        foreach (var j in judged)
        {
            var (m, b) = (j.Message, j.Finding);
            using (logger.BeginMessageScope(m.Tenant, m.Mailbox, m.MessageKey))
            {
                logger.LogDebug(
                    "Bounce {Key} of {Tenant}/{Mailbox} recorded: {Reason} ({Severity}), {Tie}",
                    m.MessageKey, m.Tenant, m.Mailbox, b.Reason, b.HardBounce switch { true => "hard", false => "soft", null => "severity unknown" }, j.IsTied ? $"tied to {j.TiedTo}" : $"untied: {j.Untied}");
            }
        }
    }
}
