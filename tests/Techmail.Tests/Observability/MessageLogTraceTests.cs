using System.Text.Json;
using Techmail.Observability;
using Techmail.Tests.Support;

namespace Techmail.Tests.Observability;

/// <summary>
/// A customer mail's log lines, written by a silo process in the JSON log format, as a log shipper reads them: the
/// poll's, the incident builder's and the outbox's line about the same mail carry the same trace id, the one its spans
/// get, with no trace exporter configured (nothing samples, nothing listens).
/// </summary>
public sealed class MessageLogTraceTests
{
    [Fact]
    public async Task The_poll_builder_and_outbox_lines_of_one_mail_carry_its_trace_id()
    {
        await using var dovecot = await DovecotServer.Start();
        await using var smtp = await SmtpSink.Start();
        using var data = new TempDirectory("techmail-log-trace");
        await using var silo = await SiloProcess.Start(data.Path, extraArgs: ["--Techmail:LogFormat=Json", "--Logging:LogLevel:Techmail=Debug"]);
        dovecot.AddUser("logtrace", "logtrace-password");
        var cli = new Cli(silo.Gateway, "logs");
        await cli.Ok("mailbox", "add", "help", "--type", "service", "--host", "127.0.0.1", "--port", dovecot.Pop3Port.ToString(), "--tls", "none",
            "--allow-plaintext-password", "--account", "logtrace", "--password", "logtrace-password",
            "--envelope-from", "bounces@example.com", "--friendly-from", "support@example.com",
            "--smtp-host", "127.0.0.1", "--smtp-port", smtp.Port.ToString(), "--smtp-tls", "none", "--enable");
        dovecot.Deliver("logtrace", TestMail.Simple("Where is my order", from: "logged@customer.example"));

        await cli.Ok("mailbox", "poll", "help", "--until-built");
        await smtp.WaitFor(m => m.Message.Subject?.Contains("Where is my order", StringComparison.Ordinal) == true, TimeSpan.FromSeconds(60));

        var polled = await Line(silo, "Techmail.Polling.BatchRecorder", "polled: accept");
        var key = polled.GetProperty("State").GetProperty("Key").GetString()!;
        var built = await Line(silo, "Techmail.Incidents.IncidentBatch", $"Mail {key} of logs/help built: incident_created");
        var sent = await Line(silo, "Techmail.Outgoing.OutboxDrainer", "sent: acknowledgement");

        var expected = MessageTrace.ContextOf("logs", "help", key).TraceId.ToHexString();
        Assert.Equal(expected, MessageTraceId(polled));
        Assert.Equal(expected, MessageTraceId(built));
        Assert.Equal(expected, MessageTraceId(sent));
        Assert.Equal("Debug", sent.GetProperty("LogLevel").GetString());
    }

    /// <summary>The first JSON line of the category whose message contains the text, waiting a little for it to be written.</summary>
    private static async Task<JsonElement> Line(SiloProcess silo, string category, string contains)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var found = silo.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(l => JsonDocument.Parse(l).RootElement)
                .Where(e => e.GetProperty("Category").GetString() == category
                    && e.GetProperty("Message").GetString()!.Contains(contains, StringComparison.Ordinal))
                .Select(e => (JsonElement?)e)
                .FirstOrDefault();
            if (found is { } line)
            {
                return line;
            }

            Assert.True(DateTime.UtcNow < deadline, $"no {category} line containing '{contains}' in:\n{silo.Output}");
            await Task.Delay(200);
        }
    }

    /// <summary>The innermost scope's TraceId: the message's (a sampled poll's own activity scope would come before it).</summary>
    private static string? MessageTraceId(JsonElement line) => line.GetProperty("Scopes").EnumerateArray()
        .Where(s => s.ValueKind == JsonValueKind.Object && s.TryGetProperty(MessageLogScope.TraceIdKey, out _))
        .Select(s => s.GetProperty(MessageLogScope.TraceIdKey).GetString())
        .LastOrDefault();
}
