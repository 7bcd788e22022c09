using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Techmail.Tests.Support;

/// <summary>
/// A TCP proxy on a loopback port of its own in front of a local server, that can break the network on demand:
/// cut connections partway through what the server sends, or when a side sends some text, accept connections and drop
/// them at once, delay what the server sends (a distant server), hold it once for a while (a stall), or rewrite the
/// server's lines (a server without some capability).
/// </summary>
public sealed class FaultyProxy : IAsyncDisposable
{
    private const int NoCut = -1;

    private readonly TcpListener _listener;
    private readonly int _targetPort;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<Connection, byte> _connections = new();
    private readonly Task _accepting;
    private long _cutAfter = NoCut;
    private volatile bool _refuse;
    private int _connectionCount;
    private int _roundTrips;
    private int _maxOpen = int.MaxValue;
    private int _open;
    private int _refusedOverLimit;
    private int _cutNumber;
    private long _cutNumberAfter = NoCut;
    private long _latencyTicks;
    private volatile string? _cutWhenClientSends;
    private volatile string? _cutWhenServerSends;
    private volatile Func<string, string>? _rewrite;
    private volatile Func<string, string>? _rewriteClient;
    private volatile Stall? _stall;

    private FaultyProxy(int targetPort)
    {
        _targetPort = targetPort;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = Task.Run(AcceptLoop);
    }

    public int Port { get; }

    /// <summary>Connections accepted so far, refused ones included: each is a client's attempt.</summary>
    public int ConnectionCount => Volatile.Read(ref _connectionCount);

    public static FaultyProxy Start(int targetPort) => new(targetPort);

    /// <summary>
    /// Round trips the clients have made so far: each time a client waited for the server, for its greeting after
    /// connecting or for the answer to what it sent. Several commands sent before any answer (pipelined) are one; a
    /// command the client did not wait for (a QUIT sent just before closing) is none. Counted as what the server sends
    /// reaches the client, so with <see cref="AddLatency"/> set a client that closes without waiting is never counted.
    /// </summary>
    public int RoundTrips => Volatile.Read(ref _roundTrips);

    /// <summary>
    /// From now on, each connection, open or new, is reset once the server has sent it <paramref name="bytes"/>
    /// more bytes: exactly that many reach the client's side of the proxy, then the client sees a reset.
    /// </summary>
    public void CutAfterServerBytes(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        Interlocked.Exchange(ref _cutAfter, bytes);
        foreach (var connection in _connections.Keys)
        {
            connection.CutAfter(bytes);
        }
    }

    /// <summary>
    /// Cuts only the <paramref name="number"/>th connection (counting from 1, refused ones included) once the server
    /// has sent it <paramref name="bytes"/> bytes: a line that drops in the middle of one session of several.
    /// </summary>
    public void CutConnection(int number, long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(number, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        Interlocked.Exchange(ref _cutNumberAfter, bytes);
        Volatile.Write(ref _cutNumber, number);
    }

    /// <summary>Resets every open connection now, as a server crash or a dropped NAT entry does.</summary>
    public void ResetOpenConnections()
    {
        foreach (var connection in _connections.Keys)
        {
            connection.Abort();
        }
    }

    /// <summary>Stops cutting, for open connections as well as new ones.</summary>
    public void Heal()
    {
        Interlocked.Exchange(ref _cutAfter, NoCut);
        foreach (var connection in _connections.Keys)
        {
            connection.CutAfter(NoCut);
        }
    }

    /// <summary>
    /// From now on, a connection beyond <paramref name="connections"/> open at once is accepted and closed at once, as
    /// a relay does for a client over its per-client limit.
    /// </summary>
    public void LimitOpenConnections(int connections) => Volatile.Write(ref _maxOpen, connections);

    /// <summary>Connections open now through the proxy.</summary>
    public int OpenConnections => Volatile.Read(ref _open);

    /// <summary>Connections closed at once for being over the limit.</summary>
    public int RefusedOverLimit => Volatile.Read(ref _refusedOverLimit);

    /// <summary>
    /// Delays everything the server sends by <paramref name="latency"/> without slowing its flow: each round trip takes
    /// that much longer, as with a server far away, while a long answer still streams.
    /// </summary>
    public void AddLatency(TimeSpan latency) => Interlocked.Exchange(ref _latencyTicks, latency.Ticks);

    /// <summary>
    /// Once, on the <paramref name="number"/>th connection (counting from 1, refused ones included), holds what the
    /// server sends after its first <paramref name="afterServerBytes"/> bytes for <paramref name="hold"/>: a server
    /// that stalls in the middle of a session.
    /// </summary>
    public void StallConnection(int number, long afterServerBytes, TimeSpan hold) => _stall = new Stall(number, afterServerBytes, hold);

    /// <summary>Resets any connection, open or new, as soon as its client sends <paramref name="text"/>; that text never reaches the server.</summary>
    public void CutWhenClientSends(string? text) => _cutWhenClientSends = text;

    /// <summary>Resets any connection, open or new, as soon as the server sends <paramref name="text"/>; nothing from that read reaches the client.</summary>
    public void CutWhenServerSends(string? text) => _cutWhenServerSends = text;

    /// <summary>
    /// Passes each line the server sends (CRLF included, read as Latin-1) through <paramref name="rewrite"/> for new
    /// connections; an empty result drops the line. Only for tests whose messages do not contain what is rewritten.
    /// </summary>
    public void RewriteServerLines(Func<string, string>? rewrite) => _rewrite = rewrite;

    /// <summary>The same for each line the client sends (e.g. to make a server refuse a command it has).</summary>
    public void RewriteClientLines(Func<string, string>? rewrite) => _rewriteClient = rewrite;

    /// <summary>While on, every new connection is accepted and closed at once: a dead server behind a live port.</summary>
    public void RefuseConnections(bool refuse) => _refuse = refuse;

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Stop();
        foreach (var connection in _connections.Keys)
        {
            connection.Abort();
        }

        await _accepting;
        await Task.WhenAll(_connections.Keys.Select(c => c.Finished));
        _stopping.Dispose();
    }

    private async Task AcceptLoop()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stopping.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            var number = Interlocked.Increment(ref _connectionCount);
            if (_refuse)
            {
                client.Dispose();
                continue;
            }

            // Counted from the accept, not from when the server side is connected: clients connecting at the same
            // moment must not all slip under the limit.
            if (Interlocked.Increment(ref _open) > Volatile.Read(ref _maxOpen))
            {
                Interlocked.Decrement(ref _open);
                Interlocked.Increment(ref _refusedOverLimit);
                client.Dispose();
                continue;
            }

            _ = ServeCounted(client, number);
        }
    }

    private async Task ServeCounted(Socket client, int number)
    {
        try
        {
            await Serve(client, number);
        }
        finally
        {
            Interlocked.Decrement(ref _open);
        }
    }

    private async Task Serve(Socket client, int number)
    {
        var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await server.ConnectAsync(IPAddress.Loopback, _targetPort, _stopping.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Nothing behind the proxy: the client sees the connection dropped, as with a dead server.
            client.Dispose();
            server.Dispose();
            return;
        }

        var cutAfter = number == Volatile.Read(ref _cutNumber) ? Interlocked.Read(ref _cutNumberAfter) : Interlocked.Read(ref _cutAfter);
        var stall = _stall is { } planned && planned.Connection == number ? planned : null;
        var connection = new Connection(this, client, server, cutAfter, stall, _rewrite, _rewriteClient);
        _connections.TryAdd(connection, 0);
        if (_stopping.IsCancellationRequested)
        {
            // Disposal began while this one was connecting, too late to see it in the list.
            connection.Abort();
        }

        try
        {
            await connection.Finished;
        }
        finally
        {
            _connections.TryRemove(connection, out _);
        }
    }

    /// <summary>One proxied connection: two pumps, and the count of server bytes passed on.</summary>
    private sealed record Stall(int Connection, long AfterServerBytes, TimeSpan Hold);

    private sealed class Connection
    {
        private readonly FaultyProxy _proxy;
        private readonly Socket _client;
        private readonly Socket _server;
        private readonly Stall? _stall;
        private readonly Func<string, string>? _rewrite;
        private readonly Func<string, string>? _rewriteClient;
        private readonly Lock _lock = new();
        private long _serverBytes;
        private long _cutAt = NoCut;
        private int _closed;

        // The client waits for the greeting first; afterwards, for an answer to each flight of what it sends.
        private bool _clientWaiting = true;
        private bool _clientFinished;

        public Connection(FaultyProxy proxy, Socket client, Socket server, long cutAfter, Stall? stall, Func<string, string>? rewrite, Func<string, string>? rewriteClient)
        {
            _rewriteClient = rewriteClient;
            _proxy = proxy;
            _client = client;
            _server = server;
            _stall = stall;
            _rewrite = rewrite;
            CutAfter(cutAfter);
            Finished = Task.WhenAll(Task.Run(ClientToServer), Task.Run(ServerToClient)).ContinueWith(_ => Close(), TaskScheduler.Default);
        }

        public Task Finished { get; }

        public void CutAfter(long bytes)
        {
            lock (_lock)
            {
                _cutAt = bytes == NoCut ? NoCut : _serverBytes + bytes;
            }
        }

        /// <summary>Resets the client's side (linger 0 sends RST, not FIN) and drops the server's.</summary>
        public void Abort()
        {
            if (Interlocked.Exchange(ref _closed, 1) == 1)
            {
                return;
            }

            try
            {
                _client.LingerState = new LingerOption(true, 0);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                // Already gone: nothing left to reset.
            }

            _client.Dispose();
            _server.Dispose();
        }

        /// <summary>Both sides have finished talking: an ordinary close.</summary>
        private void Close()
        {
            if (Interlocked.Exchange(ref _closed, 1) == 0)
            {
                _client.Dispose();
                _server.Dispose();
            }
        }

        private async Task ClientToServer()
        {
            var buffer = new byte[16 * 1024];
            var pendingClient = new List<byte>();
            try
            {
                int read;
                while ((read = await _client.ReceiveAsync(buffer.AsMemory(), SocketFlags.None)) > 0)
                {
                    lock (_lock)
                    {
                        _clientWaiting = true;
                    }

                    if (_proxy._cutWhenClientSends is { } marker && Latin1(buffer, read).Contains(marker, StringComparison.Ordinal))
                    {
                        Abort();
                        return;
                    }

                    if (_rewriteClient is null)
                    {
                        await _server.SendAsync(buffer.AsMemory(0, read), SocketFlags.None);
                    }
                    else
                    {
                        await _server.SendAsync(Rewrite(pendingClient, buffer, read, _rewriteClient), SocketFlags.None);
                    }
                }

                lock (_lock)
                {
                    // Whatever it sent last, it did not wait for an answer.
                    _clientFinished = true;
                }

                // The client finished sending; let the server finish its answer before closing.
                _server.Shutdown(SocketShutdown.Send);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                Abort();
            }
        }

        private async Task ServerToClient()
        {
            // Read and send apart, through a queue of timed chunks: a delay then postpones each chunk without holding up
            // the reading of the next, so latency adds to each round trip, not to each chunk.
            var queue = System.Threading.Channels.Channel.CreateUnbounded<(long Due, byte[] Data)>();
            var sending = Task.Run(() => Send(queue.Reader));
            var buffer = new byte[16 * 1024];
            var pending = new List<byte>();
            long received = 0;
            long lastDue = 0;
            var stalled = false;
            try
            {
                int read;
                while ((read = await _server.ReceiveAsync(buffer.AsMemory(), SocketFlags.None)) > 0)
                {
                    if (_proxy._cutWhenServerSends is { } marker && Latin1(buffer, read).Contains(marker, StringComparison.Ordinal))
                    {
                        queue.Writer.TryComplete();
                        Abort();
                        return;
                    }

                    var data = _rewrite is null ? buffer[..read] : Rewrite(pending, buffer, read, _rewrite);
                    received += data.Length;
                    var hold = 0L;
                    if (_stall is { } stall && !stalled && received > stall.AfterServerBytes)
                    {
                        stalled = true;
                        hold = stall.Hold.Ticks;
                    }

                    // Never before the chunk ahead of it: the stream stays in order, and a stall holds back what follows.
                    var due = Math.Max(lastDue, Environment.TickCount64 * TimeSpan.TicksPerMillisecond + Interlocked.Read(ref _proxy._latencyTicks) + hold);
                    lastDue = due;
                    queue.Writer.TryWrite((due, data));
                }

                queue.Writer.TryComplete();
                if (await sending)
                {
                    _client.Shutdown(SocketShutdown.Send);
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                queue.Writer.TryComplete();
                Abort();
            }
        }

        /// <returns>False when the connection was cut.</returns>
        private async Task<bool> Send(System.Threading.Channels.ChannelReader<(long Due, byte[] Data)> queue)
        {
            try
            {
                await foreach (var (due, data) in queue.ReadAllAsync())
                {
                    var wait = due - Environment.TickCount64 * TimeSpan.TicksPerMillisecond;
                    if (wait > TimeSpan.TicksPerMillisecond)
                    {
                        await Task.Delay(TimeSpan.FromTicks(wait));
                    }

                    var (allowed, cut) = Take(data.Length);
                    if (allowed > 0)
                    {
                        await _client.SendAsync(data.AsMemory(0, allowed), SocketFlags.None);
                    }

                    if (cut)
                    {
                        Abort();
                        return false;
                    }
                }

                return true;
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                Abort();
                return false;
            }
        }

        /// <summary>The complete lines read so far, rewritten; a partial line waits in <paramref name="pending"/> for its end.</summary>
        private static byte[] Rewrite(List<byte> pending, byte[] buffer, int read, Func<string, string> rewrite)
        {
            pending.AddRange(buffer.AsSpan(0, read));
            var end = pending.LastIndexOf((byte)'\n');
            if (end < 0)
            {
                return [];
            }

            var text = System.Text.Encoding.Latin1.GetString(pending.GetRange(0, end + 1).ToArray());
            pending.RemoveRange(0, end + 1);
            var output = new System.Text.StringBuilder(text.Length);
            var start = 0;
            while (start < text.Length)
            {
                var lineEnd = text.IndexOf('\n', start);
                output.Append(rewrite(text[start..(lineEnd + 1)]));
                start = lineEnd + 1;
            }

            return System.Text.Encoding.Latin1.GetBytes(output.ToString());
        }

        private static string Latin1(byte[] buffer, int count) => System.Text.Encoding.Latin1.GetString(buffer, 0, count);

        /// <summary>How much of what the server just sent may pass, and whether the connection is cut after it.</summary>
        private (int Allowed, bool Cut) Take(int read)
        {
            lock (_lock)
            {
                var allowed = _cutAt == NoCut ? read : (int)Math.Clamp(_cutAt - _serverBytes, 0, read);
                _serverBytes += allowed;
                if (allowed > 0 && _clientWaiting && !_clientFinished)
                {
                    _clientWaiting = false;
                    Interlocked.Increment(ref _proxy._roundTrips);
                }

                return (allowed, _cutAt != NoCut && _serverBytes >= _cutAt);
            }
        }
    }
}
