using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;

namespace Techmail.Observability;

/// <summary>
/// Techmail's one <see cref="ActivitySource"/>, and the trace a message's path belongs to. A message is screened by a
/// poll, built by a builder that may run on another silo minutes later, and acknowledged by an outbox later still; no
/// call carries a context from one to the next (the database does). So the trace id is computed from the message's
/// tenant, mailbox and key: every stage, wherever it runs, starts its span in the same trace under the same parent,
/// with nothing stored. Sampling is decided here, from the same hash, so a message's stages are kept or dropped
/// together on every silo, and a dropped message's stages make no activity at all (OpenTelemetry would otherwise make
/// an unrecorded one per stage, just to carry its context).
/// </summary>
public static class MessageTrace
{
    public const string SourceName = "Techmail";

    public static readonly ActivitySource Source = new(SourceName, typeof(MessageTrace).Assembly.GetName().Version?.ToString());

    /// <summary>Span names, one per stage of a message's path.</summary>
    public const string Screen = "techmail.message.screen", Intake = "techmail.message.intake", Incident = "techmail.message.incident",
        Bounce = "techmail.message.bounce", Acknowledgement = "techmail.message.acknowledgement", Poll = "techmail.poll";

    private static double _sampleRatio = 1;

    /// <summary>The share of messages (and polls) traced, 0 to 1; set from <c>Techmail:TraceSampleRatio</c> when traces are exported.</summary>
    public static double SampleRatio
    {
        get => Volatile.Read(ref _sampleRatio);
        set => Volatile.Write(ref _sampleRatio, Math.Clamp(value, 0, 1));
    }

    /// <summary>The parent every span of the message's path hangs from: the message itself, which no process owns.</summary>
    public static ActivityContext ContextOf(string tenant, string mailbox, string messageKey) => Identify(tenant, mailbox, messageKey).Context;

    private static (ActivityContext Context, bool Sampled) Identify(string tenant, string mailbox, string messageKey)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes($"{tenant}\n{mailbox}\n{messageKey}"), hash);
        // The last bytes of the hash, unused by the ids, decide: uniform, and the same wherever the message is seen.
        var draw = BitConverter.ToUInt64(hash[24..]) / (double)ulong.MaxValue;
        var context = new ActivityContext(ActivityTraceId.CreateFromBytes(hash[..16]), ActivitySpanId.CreateFromBytes(hash[16..24]), ActivityTraceFlags.Recorded, isRemote: true);
        return (context, draw < SampleRatio);
    }

    /// <summary>
    /// Starts one stage's span of one message, or returns null at no cost when nobody listens. The span links to the
    /// current activity (the poll, a builder's batch), so a backend can go from the message to the work around it.
    /// The caller sets the verdict when it knows it and disposes the span when the stage is done.
    /// </summary>
    public static Activity? Start(string stage, string tenant, string mailbox, string messageKey, string? verdict = null)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        var (message, sampled) = Identify(tenant, mailbox, messageKey);
        if (!sampled)
        {
            return null;
        }

        var around = Activity.Current;
        var links = around is not null ? new[] { new ActivityLink(around.Context) } : null;
        var activity = Source.StartActivity(stage, ActivityKind.Internal, message, links: links);
        // A message's span never becomes the current one: the batch or poll around it goes on as before, and the next
        // message's span links to that, not to this one.
        Activity.Current = around;
        if (activity is not null)
        {
            activity.SetTag("techmail.tenant", tenant);
            activity.SetTag("techmail.mailbox", mailbox);
            activity.SetTag("techmail.message.key", messageKey);
            if (verdict is not null)
            {
                activity.SetTag("techmail.verdict", verdict);
            }
        }

        return activity;
    }

    /// <summary>A span of work that is not one message's (a poll, a batch): its own trace, linked from the messages' spans.</summary>
    public static Activity? StartWork(string name, string tenant, string mailbox)
    {
        if (!Source.HasListeners() || Random.Shared.NextDouble() >= SampleRatio)
        {
            return null;
        }

        var activity = Source.StartActivity(name, ActivityKind.Internal, parentContext: default);
        activity?.SetTag("techmail.tenant", tenant);
        activity?.SetTag("techmail.mailbox", mailbox);
        return activity;
    }
}
