using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Techmail.Webhooks;

/// <summary>What one POST to a receiver came to.</summary>
/// <param name="Status">The HTTP status, or null when no answer came.</param>
/// <param name="Body">The start of the answer's body (for <c>webhook test</c> and the recorded error).</param>
/// <param name="Error">Why no answer came (timeout, refused, address not allowed).</param>
/// <param name="NotSent">Nothing was sent: the receiving host's bound stayed full for a whole timeout.</param>
public sealed record WebhookAttempt(int? Status, string? Body, string? Error, TimeSpan Elapsed, bool NotSent = false);

/// <summary>
/// Sends signed events over HTTP. One client for the silo: connections are pooled per receiver. Each connection is
/// opened to an address checked by <see cref="WebhookAddresses"/> after name resolution (so no lookup trick reaches a
/// private address), redirects are not followed (a receiver cannot send the silo elsewhere), no proxy is used, and
/// each attempt has <see cref="WebhookPolicy.Timeout"/> in all, taken only once the receiving host's bound
/// (<see cref="WebhookPolicy.ConcurrencyPerHost"/>, per silo) lets it start.
/// </summary>
public sealed class WebhookHttp : IDisposable
{
    private const int BodyShown = 500;
    private readonly WebhookPolicy _policy;
    private readonly HttpClient _client;
    private readonly WebhookHostGate _gate;
    private readonly TimeProvider _time;

    public WebhookHttp(WebhookPolicy policy, WebhookHostGate gate, TimeProvider time)
    {
        _policy = policy;
        _gate = gate;
        _time = time;
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseProxy = false,
            UseCookies = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectCallback = Connect,
        };
        _client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        _client.DefaultRequestHeaders.UserAgent.ParseAdd("Techmail-Webhooks/1");
    }

    public async Task<WebhookAttempt> Post(Uri url, string secret, string eventId, string eventType, string body, CancellationToken cancellationToken)
    {
        // The wait for the host is bounded too: with the attempt's own timeout it stays inside a claim's lease, so no
        // other drain takes the delivery over while this one still holds it.
        var waited = Stopwatch.GetTimestamp();
        using var slot = await _gate.Enter(url.IdnHost, _policy.Timeout, cancellationToken);
        if (slot is null)
        {
            return new WebhookAttempt(null, null, $"{url.IdnHost} had {_policy.ConcurrencyPerHost} attempts in flight for {_policy.Timeout.TotalSeconds:0.#} s", Stopwatch.GetElapsedTime(waited), NotSent: true);
        }

        var started = Stopwatch.GetTimestamp();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_policy.Timeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            request.Headers.Add(WebhookSignature.Header, WebhookSignature.Sign(secret, _time.GetUtcNow(), body));
            request.Headers.Add("Techmail-Event", eventType);
            request.Headers.Add("Techmail-Event-Id", eventId);
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var text = await Excerpt(response, timeout.Token);
            return new WebhookAttempt((int)response.StatusCode, text, null, Stopwatch.GetElapsedTime(started));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new WebhookAttempt(null, null, $"no answer within {_policy.Timeout.TotalSeconds:0.#} s", Stopwatch.GetElapsedTime(started));
        }
        catch (HttpRequestException e)
        {
            return new WebhookAttempt(null, null, Describe(e), Stopwatch.GetElapsedTime(started));
        }
    }

    public void Dispose() => _client.Dispose();

    private static async Task<string?> Excerpt(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        // Only the start: a receiver's answer is shown and recorded, never trusted to be small.
        var buffer = new byte[BodyShown * 4];
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        var read = 0;
        while (read < buffer.Length && await stream.ReadAsync(buffer.AsMemory(read), cancellationToken) is var n and > 0)
        {
            read += n;
        }

        var text = Encoding.UTF8.GetString(buffer, 0, read);
        text = new string([.. text.Select(c => char.IsControl(c) && c is not '\n' and not '\t' ? ' ' : c)]).Trim();
        return text.Length == 0 ? null : text.Length > BodyShown ? text[..BodyShown] + "..." : text;
    }

    private static string Describe(HttpRequestException e)
    {
        for (Exception? inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is WebhookAddressRefused refused)
            {
                return refused.Message;
            }
        }

        var socket = e.InnerException as SocketException ?? e.InnerException?.InnerException as SocketException;
        return socket is not null ? $"{e.Message.TrimEnd('.')} ({socket.SocketErrorCode})" : e.Message;
    }

    private async ValueTask<Stream> Connect(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var host = context.DnsEndPoint.Host;
        var addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, cancellationToken);
        if (!_policy.AllowPrivateAddresses && addresses.FirstOrDefault(a => !WebhookAddresses.IsPublic(a)) is { } refused)
        {
            // Every address must be public: connecting to the first public one of a name that also names a private one
            // would leave the choice to whoever controls the name.
            throw new WebhookAddressRefused($"{host} resolves to {refused}, not a public address; the operator has not allowed webhooks to private networks (Techmail:WebhookAllowPrivateAddresses)");
        }

        if (addresses.Length == 0)
        {
            throw new WebhookAddressRefused($"{host} has no address");
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            // The checked addresses themselves: no second lookup that could answer otherwise.
            await socket.ConnectAsync(addresses, context.DnsEndPoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}

/// <summary>A connection the address rule refused.</summary>
public sealed class WebhookAddressRefused(string message) : IOException(message);

/// <summary>
/// A bound on attempts in flight to one host, per silo, all tenants and webhooks together: a receiver that is slow or
/// down must not take every delivery slot of the silo, and a burst of events must not flood one receiver.
/// </summary>
public sealed class WebhookHostGate(WebhookPolicy policy)
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, SemaphoreSlim> _hosts = new(StringComparer.OrdinalIgnoreCase);

    /// <returns>The slot, to dispose when the attempt is over; null when none came free within <paramref name="timeout"/>.</returns>
    public async Task<IDisposable?> Enter(string host, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var gate = _hosts.GetOrAdd(host, _ => new SemaphoreSlim(policy.ConcurrencyPerHost, policy.ConcurrencyPerHost));
        if (gate.CurrentCount == 0)
        {
            WebhookMetrics.HostWaited();
        }

        return await gate.WaitAsync(timeout, cancellationToken) ? new Slot(gate) : null;
    }

    private sealed class Slot(SemaphoreSlim gate) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                gate.Release();
            }
        }
    }
}
