using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Techmail.Tests.Support;

namespace Techmail.Tests.Webhooks;

/// <summary>One request a receiver got: the signature header and the body exactly as they arrived.</summary>
public sealed record ReceivedWebhook(string? Signature, string? EventType, string? EventId, string Body, int AnsweredWith, DateTimeOffset At)
{
    public JsonElement Json => JsonDocument.Parse(Body).RootElement;
}

/// <summary>
/// A real HTTP receiver: Kestrel on 127.0.0.1 and a free port, answering each POST with the next status a test
/// scripted (200 once the script runs out), and keeping every request it got.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<int> _script = new();
    private readonly ConcurrentQueue<ReceivedWebhook> _received = new();

    private WebhookReceiver(WebApplication app, int port)
    {
        _app = app;
        Url = $"http://127.0.0.1:{port}/hooks/techmail";
    }

    public string Url { get; }

    /// <summary>The status answered when the script is empty.</summary>
    public int Otherwise { get; set; } = 200;

    public IReadOnlyList<ReceivedWebhook> Received => [.. _received];

    /// <summary>How long the receiver takes before it answers.</summary>
    public TimeSpan Delay { get; set; }

    /// <summary>The most requests it was answering at once.</summary>
    public int MostAtOnce => _most;

    private int _inFlight, _most;

    public static async Task<WebhookReceiver> Start()
    {
        var port = FreePort.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new WebhookReceiver(app, port);
        app.MapPost("/hooks/techmail", async (HttpContext context) =>
        {
            var now = Interlocked.Increment(ref receiver._inFlight);
            int most;
            while (now > (most = receiver._most) && Interlocked.CompareExchange(ref receiver._most, now, most) != most)
            {
            }

            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync();
            try
            {
                await Task.Delay(receiver.Delay, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
            }
            finally
            {
                Interlocked.Decrement(ref receiver._inFlight);
            }

            var status = receiver._script.TryDequeue(out var next) ? next : receiver.Otherwise;
            receiver._received.Enqueue(new ReceivedWebhook(
                context.Request.Headers["Techmail-Signature"].FirstOrDefault(),
                context.Request.Headers["Techmail-Event"].FirstOrDefault(),
                context.Request.Headers["Techmail-Event-Id"].FirstOrDefault(),
                body,
                status,
                DateTimeOffset.UtcNow));
            return Results.Text(status is >= 200 and < 300 ? "thanks" : "not now", statusCode: status);
        });
        await app.StartAsync();
        return receiver;
    }

    /// <summary>The statuses the next requests get, in order.</summary>
    public void Answer(params int[] statuses)
    {
        foreach (var status in statuses)
        {
            _script.Enqueue(status);
        }
    }

    public async Task<IReadOnlyList<ReceivedWebhook>> WaitFor(Func<IReadOnlyList<ReceivedWebhook>, bool> enough, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            var received = Received;
            if (enough(received))
            {
                return received;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"the receiver got {Received.Count} request(s) in {timeout.TotalSeconds:0} s, not what the test waited for:\n"
            + string.Join("\n", Received.Select(r => $"{r.AnsweredWith} {r.EventType} {r.EventId}")));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
