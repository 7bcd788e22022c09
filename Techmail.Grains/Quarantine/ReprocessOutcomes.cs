using Techmail.Incidents;
using Techmail.Outgoing;
using Techmail.Polling;
using Techmail.Storage;

namespace Techmail.Quarantine;

/// <summary>
/// Follows a reprocessed message through what came after the reprocessing, from the rows those stages keep: its trace
/// row (what screening decided), its forward in the outbox, its intake row and the incident it became, or the quarantine
/// row a later stage set it aside in again. Nothing is kept for the purpose, so the answer is the same on every silo and
/// after any restart.
/// </summary>
public sealed class ReprocessOutcomes(TechmailDatabase database, OutboxStore outbox, IncidentStore incidents)
{
    /// <summary>A reprocessing that left the message where it was: screening set it aside again at once.</summary>
    public static ReprocessOutcome StillHeld(string quarantineId, TraceEntry entry) =>
        new(quarantineId, TraceVerdict.Quarantined, ReprocessProgress.Failed, $"still quarantined: {entry.Reason}");

    /// <param name="held">A message whose state is <see cref="QuarantineState.Reprocessed"/>.</param>
    public async Task<ReprocessOutcome> Of(string tenant, QuarantinedMessage held)
    {
        var (mailbox, key) = (held.Mailbox, held.MessageKey);
        var trace = await Trace(tenant, mailbox, key);
        ReprocessOutcome Outcome(TraceVerdict verdict, ReprocessProgress progress, string summary) => new(held.Id, verdict, progress, summary);
        switch (trace?.Verdict)
        {
            case TraceVerdict.Discarded:
                return Outcome(TraceVerdict.Discarded, ReprocessProgress.Done, $"discarded: {trace.Value.Reason}");
            case TraceVerdict.Rejected:
                if (await outbox.Find(tenant, RejectForwarding.KeyOf(mailbox, key)) is not var (forward, _))
                {
                    return Outcome(TraceVerdict.Rejected, ReprocessProgress.Done, $"rejected: {trace.Value.Reason}");
                }

                var to = string.Join(", ", forward.Recipients);
                var forwarded = forward.State switch
                {
                    OutboxState.Sent => Outcome(TraceVerdict.Rejected, ReprocessProgress.Done, $"rejected and forwarded to {to} (outbox mail #{forward.Id})"),
                    OutboxState.Failed => Outcome(TraceVerdict.Rejected, ReprocessProgress.Failed, $"rejected; the forward to {to} failed (outbox mail #{forward.Id}): {forward.LastError}"),
                    _ => Outcome(TraceVerdict.Rejected, ReprocessProgress.Waiting, $"rejected; forward to {to} queued as outbox mail #{forward.Id}"
                        + (forward.LastError is { } error ? $", retrying after: {error}" : "")),
                };
                return forwarded with { OutboxId = forward.Id };
            case TraceVerdict.Accepted:
                return await Accepted(tenant, held);
            case TraceVerdict.Quarantined:
                return Outcome(TraceVerdict.Quarantined, ReprocessProgress.Failed, $"quarantined again: {trace.Value.Reason}");
            default:
                return Outcome(TraceVerdict.Accepted, ReprocessProgress.Done, "reprocessed; its trace has since been pruned");
        }
    }

    private async Task<ReprocessOutcome> Accepted(string tenant, QuarantinedMessage held)
    {
        ReprocessOutcome Outcome(ReprocessProgress progress, string summary) => new(held.Id, TraceVerdict.Accepted, progress, summary);
        var intake = await Intake(tenant, held.Mailbox, held.MessageKey);
        if (intake is null)
        {
            return Outcome(ReprocessProgress.Done, "accepted; its intake record has since been pruned");
        }

        var (kind, state) = intake.Value;
        if (kind == "bounce")
        {
            return Outcome(ReprocessProgress.Done, "accepted and recorded as a bounce");
        }

        switch (state)
        {
            case "done":
                var reference = await incidents.ReferenceOf(tenant, held.MessageKey);
                return reference is null
                    ? Outcome(ReprocessProgress.Done, "accepted and built")
                    : Outcome(ReprocessProgress.Done, $"became incident {reference}") with { Incident = reference };
            case "held" or "quarantined":
                return Outcome(ReprocessProgress.Failed, $"accepted, then set aside again ({state})");
            default:
                return Outcome(ReprocessProgress.Waiting, "accepted; waiting to become an incident");
        }
    }

    /// <summary>
    /// A reprocessed message a later stage set aside again: the quarantine keeps one row per message, so it is this
    /// same row, held again with the new reason.
    /// </summary>
    public static ReprocessOutcome HeldAgain(QuarantinedMessage held) =>
        new(held.Id, TraceVerdict.Quarantined, ReprocessProgress.Failed, $"quarantined again in {MailStages.Name(held.Stage)}: {held.Reason}", QuarantinedAgain: held.Id);

    private async Task<(TraceVerdict Verdict, string? Reason)?> Trace(string tenant, string mailbox, string key)
    {
        await using var connection = await database.OpenAsync();
        await using var command = TechmailDatabase.Command(
            connection,
            "SELECT verdict, reason FROM techmail_message_trace WHERE tenant = @tenant AND mailbox = @mailbox AND message_key = @key",
            ("@tenant", tenant), ("@mailbox", mailbox), ("@key", key));
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? (Enum.Parse<TraceVerdict>(reader.GetString(0)), reader.StringOrNull(1)) : null;
    }

    private async Task<(string Kind, string State)?> Intake(string tenant, string mailbox, string key)
    {
        await using var connection = await database.OpenAsync();
        await using var command = TechmailDatabase.Command(
            connection,
            "SELECT kind, state FROM techmail_inbound WHERE tenant = @tenant AND mailbox = @mailbox AND message_key = @key",
            ("@tenant", tenant), ("@mailbox", mailbox), ("@key", key));
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? (reader.GetString(0), reader.GetString(1)) : null;
    }
}
