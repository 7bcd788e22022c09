using System.Net;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Logging.Abstractions;
using Techmail.Security;
using Techmail.Storage;
using Techmail.Tests.Support;
using Techmail.Webhooks;

namespace Techmail.Tests.Webhooks;

/// <summary>The drain against a real HTTP receiver (Kestrel on 127.0.0.1), with the queue on a real database.</summary>
public sealed class WebhookDeliveryTests : IDisposable
{
    private readonly ScratchDatabases _databases = new();
    private readonly DataProtectionSecretProtector _protector = new(new EphemeralDataProtectionProvider());

    [Fact]
    public async Task Sqlite_delivery_is_signed_with_the_webhooks_secret_and_a_500_is_retried_then_delivered_once_more() =>
        await SignedAndRetried(await _databases.Sqlite());

    [Fact]
    public async Task Postgres_delivery_is_signed_with_the_webhooks_secret_and_a_500_is_retried_then_delivered_once_more() =>
        await SignedAndRetried(await ScratchDatabases.Postgres());

    [Fact]
    public async Task A_410_disables_the_webhook_and_fails_what_waits_for_it()
    {
        await using var receiver = await WebhookReceiver.Start();
        receiver.Answer(500, 410);
        var (store, drainer, clock, webhook) = await Setup(await _databases.Sqlite(), receiver.Url, new WebhookPolicy { AllowPrivateAddresses = true });
        await store.Queue([Event("261207-000001")], clock.GetUtcNow());
        Assert.Equal(1, (await drainer.Drain("acme", CancellationToken.None)).Retried);

        // The next event meets 410 Gone; the first, waiting for its retry, fails with the webhook, unsent.
        await store.Queue([Event("261207-000002")], clock.GetUtcNow());
        var outcome = await drainer.Drain("acme", CancellationToken.None);

        Assert.Equal(new WebhookDrainOutcome(0, 0, 1), outcome);
        var disabled = Assert.Single(await store.List("acme"));
        Assert.False(disabled.Enabled);
        Assert.Equal("receiver answered 410: not now; webhook disabled", disabled.DisabledReason);
        var counts = (await store.Counts("acme"))[webhook];
        Assert.Equal((0L, 0L, 2L), (counts.Queued, counts.Delivered, counts.Failed));
        Assert.Equal([500, 410], receiver.Received.Select(r => r.AnsweredWith));
        Assert.Empty(await store.Queue([Event("261207-000003")], clock.GetUtcNow()));
        clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(new WebhookDrainOutcome(0, 0, 0), await drainer.Drain("acme", CancellationToken.None));
        Assert.Equal(2, receiver.Received.Count);
    }

    [Fact]
    public async Task A_receiver_that_keeps_failing_is_given_up_on_after_the_bounded_time_with_its_last_answer_recorded()
    {
        await using var receiver = await WebhookReceiver.Start();
        receiver.Otherwise = 503;
        var policy = new WebhookPolicy { AllowPrivateAddresses = true, FirstRetry = TimeSpan.FromMinutes(1), MaxRetry = TimeSpan.FromMinutes(10), GiveUpAfter = TimeSpan.FromHours(1) };
        var (store, drainer, clock, webhook) = await Setup(await _databases.Sqlite(), receiver.Url, policy);
        await store.Queue([Event("261207-000001")], clock.GetUtcNow());
        var start = clock.GetUtcNow();

        var waits = new List<TimeSpan>();
        while ((await store.Counts("acme"))[webhook].Queued > 0)
        {
            await drainer.Drain("acme", CancellationToken.None);
            var next = await store.NextDue("acme");
            if (next is { } at)
            {
                waits.Add(at - clock.GetUtcNow());
                clock.Advance(at - clock.GetUtcNow());
            }
        }

        var counts = (await store.Counts("acme"))[webhook];
        Assert.Equal((0L, 0L, 1L), (counts.Queued, counts.Delivered, counts.Failed));
        Assert.Equal($"gave up after {receiver.Received.Count} attempts: receiver answered 503: not now", counts.LastError);
        // The last attempt falls on the deadline, an hour after the event; none after it.
        Assert.Equal(start + policy.GiveUpAfter, clock.GetUtcNow());
        // Backoff doubles from one minute up to ten, each wait drawn between half and all of it.
        for (var n = 0; n < waits.Count - 1; n++)
        {
            var most = policy.Delay(n + 1);
            Assert.InRange(waits[n], most / 2, most);
        }

        Assert.InRange(receiver.Received.Count, 8, 18);
        Assert.Single(receiver.Received.Select(r => r.EventId).Distinct());
    }

    [Fact]
    public async Task A_webhook_to_a_private_address_is_refused_when_the_operator_has_not_allowed_it()
    {
        await using var receiver = await WebhookReceiver.Start();
        var policy = new WebhookPolicy();
        foreach (var url in new[] { receiver.Url, "http://localhost:8080/x", "https://10.1.2.3/x", "http://169.254.169.254/latest/meta-data", "http://[::1]/x", "http://[fd00::1]/x" })
        {
            var refused = Assert.Throws<WebhookException>(() => WebhookAddresses.CheckUrl(url, allowPrivate: false));
            Assert.Contains("WebhookAllowPrivateAddresses", refused.Message);
            Assert.Equal(url, WebhookAddresses.CheckUrl(url, allowPrivate: true).OriginalString);
        }

        Assert.Equal("https://hooks.example.com/techmail?x=1", WebhookAddresses.CheckUrl("https://hooks.example.com/techmail?x=1", false).AbsoluteUri);
        foreach (var bad in new[] { "", "ftp://example.com/", "/relative", "https://user:pw@example.com/", "https://example.com/#frag", "https://exa mple.com/" })
        {
            Assert.Throws<WebhookException>(() => WebhookAddresses.CheckUrl(bad, false));
        }

        foreach (var address in new[] { "127.0.0.1", "10.0.0.1", "172.16.5.4", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0", "224.0.0.1", "::1", "fe80::1", "fc00::1", "::ffff:127.0.0.1", "64:ff9b::a00:1" })
        {
            Assert.False(WebhookAddresses.IsPublic(IPAddress.Parse(address)), address);
        }

        foreach (var address in new[] { "93.184.215.14", "8.8.8.8", "172.32.0.1", "2606:4700::1111", "::ffff:8.8.8.8" })
        {
            Assert.True(WebhookAddresses.IsPublic(IPAddress.Parse(address)), address);
        }

        // A name that resolves to loopback is refused where the connection is made, whatever the URL looked like.
        var byName = receiver.Url.Replace("127.0.0.1", "localhost", StringComparison.Ordinal);
        var (store, drainer, clock, webhook) = await Setup(await _databases.Sqlite(), byName, policy);
        await store.Queue([Event("261207-000001")], clock.GetUtcNow());
        var outcome = await drainer.Drain("acme", CancellationToken.None);

        Assert.Equal((0, 1), (outcome.Delivered, outcome.Retried));
        Assert.Empty(receiver.Received);
        Assert.Contains("not a public address", (await store.Counts("acme"))[webhook].LastError);
    }

    [Fact]
    public async Task Attempts_to_one_host_stay_within_its_bound_and_a_receiver_slower_than_the_timeout_is_retried()
    {
        await using var receiver = await WebhookReceiver.Start();
        receiver.Delay = TimeSpan.FromMilliseconds(300);
        var policy = new WebhookPolicy { AllowPrivateAddresses = true, ConcurrencyPerHost = 2, Timeout = TimeSpan.FromSeconds(1) };
        var (store, drainer, clock, webhook) = await Setup(await _databases.Sqlite(), receiver.Url, policy);
        await store.Queue([.. Enumerable.Range(1, 8).Select(i => Event($"261207-00000{i}"))], clock.GetUtcNow());

        Assert.Equal(new WebhookDrainOutcome(8, 0, 0), await drainer.Drain("acme", CancellationToken.None));
        Assert.Equal(2, receiver.MostAtOnce);

        receiver.Delay = TimeSpan.FromSeconds(3);
        await store.Queue([Event("261207-000009")], clock.GetUtcNow());
        Assert.Equal(new WebhookDrainOutcome(0, 1, 0), await drainer.Drain("acme", CancellationToken.None));
        Assert.Equal("no answer within 1 s", (await store.Counts("acme"))[webhook].LastError);
    }

    public void Dispose() => _databases.Dispose();

    private async Task SignedAndRetried(TechmailDatabase database)
    {
        await using var receiver = await WebhookReceiver.Start();
        receiver.Answer(500);
        var policy = new WebhookPolicy { AllowPrivateAddresses = true };
        var (store, drainer, clock, webhook) = await Setup(database, receiver.Url, policy);
        var secret = _protector.Unprotect((await store.Get("acme", webhook))!.SealedSecret);
        var incident = Event("261207-000042");
        await store.Queue([incident], clock.GetUtcNow());

        var first = await drainer.Drain("acme", CancellationToken.None);
        Assert.Equal((0, 1, 0), (first.Delivered, first.Retried, first.Failed));
        var retryAt = (await store.NextDue("acme"))!.Value;
        Assert.InRange(retryAt - clock.GetUtcNow(), policy.FirstRetry / 2, policy.FirstRetry);
        Assert.Equal("receiver answered 500: not now", (await store.Counts("acme"))[webhook].LastError);

        // Not due yet: nothing is sent.
        Assert.Equal(new WebhookDrainOutcome(0, 0, 0), await drainer.Drain("acme", CancellationToken.None));
        Assert.Single(receiver.Received);

        clock.Advance(retryAt - clock.GetUtcNow());
        var second = await drainer.Drain("acme", CancellationToken.None);
        Assert.Equal((1, 0, 0), (second.Delivered, second.Retried, second.Failed));
        Assert.Equal(new WebhookDrainOutcome(0, 0, 0), await drainer.Drain("acme", CancellationToken.None));
        Assert.Null(await store.NextDue("acme"));

        var received = receiver.Received;
        Assert.Equal([500, 200], received.Select(r => r.AnsweredWith));
        foreach (var request in received)
        {
            // The same event each time, byte for byte, with the id a receiver de-duplicates by.
            Assert.Equal(incident.Body(), request.Body);
            Assert.Equal((incident.Id, WebhookEventTypes.IncidentCreated), (request.EventId, request.EventType));
            Assert.Equal(incident.Id, request.Json.GetProperty("id").GetString());
            Assert.Equal("acme", request.Json.GetProperty("tenant").GetString());
            Assert.Equal("261207-000042", request.Json.GetProperty("data").GetProperty("reference").GetString());

            // What a receiver does: the secret verifies it; another secret, another body or an old timestamp do not.
            var signedAt = clock.GetUtcNow();
            Assert.Null(WebhookSignature.Verify(secret, request.Signature, request.Body, signedAt));
            Assert.Equal("signature does not match", WebhookSignature.Verify(WebhookSecret.New(), request.Signature, request.Body, signedAt));
            Assert.Equal("signature does not match", WebhookSignature.Verify(secret, request.Signature, request.Body.Replace("261207-000042", "261207-000043", StringComparison.Ordinal), signedAt));
            Assert.StartsWith("timestamp outside", WebhookSignature.Verify(secret, request.Signature, request.Body, signedAt.AddMinutes(10)));
        }

        // The header is t=UNIX,v1=HMAC-SHA256(secret, "t.body") in hex, as the README tells receivers.
        var header = received[1].Signature!;
        var t = header.Split(',')[0][2..];
        var expected = Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData(
            System.Text.Encoding.UTF8.GetBytes(secret), System.Text.Encoding.UTF8.GetBytes($"{t}.{received[1].Body}")));
        Assert.Equal($"t={t},v1={expected}", header);

        var counts = (await store.Counts("acme"))[webhook];
        Assert.Equal((0L, 1L, 0L), (counts.Queued, counts.Delivered, counts.Failed));
    }

    private static WebhookEvent Event(string reference) =>
        new("acme", WebhookEventTypes.IncidentCreated, reference, new DateTimeOffset(2026, 12, 7, 9, 0, 0, TimeSpan.Zero), new { reference });

    private async Task<(WebhookStore Store, WebhookDrainer Drainer, ManualClock Clock, string Webhook)> Setup(TechmailDatabase database, string url, WebhookPolicy policy)
    {
        var clock = new ManualClock(DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()));
        var store = new WebhookStore(database);
        var secret = WebhookSecret.New();
        await store.Add(WebhookStoreTests.Webhook("wh_test", url, [.. WebhookEventTypes.All]) with { SealedSecret = _protector.Protect(secret) });
        var http = new WebhookHttp(policy, new WebhookHostGate(policy), clock);
        return (store, new WebhookDrainer(store, http, _protector, policy, clock, NullLogger<WebhookDrainer>.Instance), clock, "wh_test");
    }
}
