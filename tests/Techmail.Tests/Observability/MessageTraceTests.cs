using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;
using Techmail.Hosting;
using Techmail.Incidents;
using Techmail.Mailboxes;
using Techmail.Observability;
using Techmail.Tests.Polling;
using Techmail.Tests.Support;

namespace Techmail.Tests.Observability;

/// <summary>
/// A customer mail's path through a real Dovecot, the incident builder and a real SMTP server, as the spans the
/// silo's own telemetry registration exports (to an in-memory exporter here, to OTLP in production).
/// </summary>
[Collection(PollingCollection.Name)]
public sealed class MessageTraceTests(SqlitePollingFixture fixture)
{
    [Fact]
    public async Task A_mails_poll_screening_intake_incident_and_acknowledgement_are_one_trace_carrying_key_mailbox_and_verdict()
    {
        var spans = new List<Activity>();
        var services = new ServiceCollection();
        services.AddTechmailTelemetry(new TechmailOptions { TraceSampleRatio = 1 }, traces: t => t.AddInMemoryExporter(spans));
        await using var provider = services.BuildServiceProvider();
        _ = provider.GetRequiredService<TracerProvider>();

        var (user, password) = fixture.NewUser();
        var mailbox = await fixture.Mailbox("trace-flow", fixture.Pop3(user, password), s => s with { Outgoing = fixture.Relay() });
        fixture.Dovecot.Deliver(user, TestMail.Simple("Trace me", from: "traced@customer.example"));
        await PollingFixture.PollAndWait(mailbox);
        await fixture.Client.GetGrain<IIncidentBuilderGrain>(MailboxKey.For("poll", "trace-flow")).Drain();
        await fixture.Smtp.WaitFor(m => m.Message.Subject?.Contains("Trace me", StringComparison.Ordinal) == true, TimeSpan.FromSeconds(30));

        var ours = await Until(() => Ours(spans), s => s.Any(a => a.OperationName == MessageTrace.Acknowledgement));
        var messageSpans = ours.Where(s => s.OperationName != MessageTrace.Poll).ToList();
        Assert.Equal(
            [MessageTrace.Screen, MessageTrace.Intake, MessageTrace.Incident, MessageTrace.Acknowledgement],
            messageSpans.OrderBy(s => s.StartTimeUtc).Select(s => s.OperationName));
        Assert.Equal(["accept", "accepted", "incident_created", "sent"], messageSpans.OrderBy(s => s.StartTimeUtc).Select(s => s.GetTagItem("techmail.verdict")));

        // One trace, the message's, whatever grain or silo ran the stage: its id follows from tenant, mailbox and key.
        var key = (string)messageSpans[0].GetTagItem("techmail.message.key")!;
        var message = MessageTrace.ContextOf("poll", "trace-flow", key);
        Assert.All(messageSpans, s =>
        {
            Assert.Equal(message.TraceId, s.TraceId);
            Assert.Equal(message.SpanId, s.ParentSpanId);
            Assert.Equal(key, s.GetTagItem("techmail.message.key"));
            Assert.Equal("poll", s.GetTagItem("techmail.tenant"));
        });

        // The poll is a trace of its own, linked from the screening of each message it took.
        var poll = Assert.Single(ours, s => s.OperationName == MessageTrace.Poll);
        Assert.NotEqual(message.TraceId, poll.TraceId);
        var screen = messageSpans.Single(s => s.OperationName == MessageTrace.Screen);
        Assert.Contains(screen.Links, l => l.Context.SpanId == poll.SpanId);
        Assert.Equal(1, poll.GetTagItem("techmail.poll.accepted"));
    }

    [Fact]
    public void Sampling_keeps_or_drops_all_stages_of_a_message_together_at_the_ratio()
    {
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == MessageTrace.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        var ratio = MessageTrace.SampleRatio;
        try
        {
            MessageTrace.SampleRatio = 0.25;
            var kept = 0;
            for (var i = 0; i < 2000; i++)
            {
                var key = $"sampling-{i}";
                using var screen = MessageTrace.Start(MessageTrace.Screen, "t", "sampling", key);
                using var incident = MessageTrace.Start(MessageTrace.Incident, "t", "sampling", key);
                Assert.Equal(screen is null, incident is null);
                kept += screen is null ? 0 : 1;
            }

            Assert.InRange(kept, 400, 600);
        }
        finally
        {
            MessageTrace.SampleRatio = ratio;
        }

        Assert.Equal(MessageTrace.ContextOf("t", "m", "k"), MessageTrace.ContextOf("t", "m", "k"));
        Assert.NotEqual(MessageTrace.ContextOf("t", "m", "k").TraceId, MessageTrace.ContextOf("t", "other", "k").TraceId);
    }

    private static List<Activity> Ours(List<Activity> spans)
    {
        lock (spans)
        {
            return spans.Where(s => (string?)s.GetTagItem("techmail.mailbox") == "trace-flow").ToList();
        }
    }

    private static async Task<List<Activity>> Until(Func<List<Activity>> read, Func<List<Activity>, bool> done)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var now = read();
            if (done(now) || DateTime.UtcNow > deadline)
            {
                return now;
            }

            await Task.Delay(100);
        }
    }
}
