using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Techmail.Tests.Support;

/// <summary>
/// A TCP proxy on a loopback port of its own in front of a local server, that can break the network on demand:
/// cut connections partway through what the server sends, accept connections and drop them at once, or pass on
/// what the server sends late.
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
    private int _maxOpen = int.MaxValue;
    private int _open;
    private int _refusedOverLimit;
    private int _cutNumber;
    private long _cutNumberAfter = NoCut;
    private long _serverDelayTicks;

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

    /// <summary>
    /// From now on, everything the server sends waits <paramref name="delay"/> before it is passed on (each read of it):
    /// a slow or far server, whose poll stays in flight long enough for something to happen meanwhile.
    /// </summary>
    public void DelayServerBytes(TimeSpan delay) => Interlocked.Exchange(ref _serverDelayTicks, delay.Ticks);

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

    /// <summary>Connections closed at once for being over the limit.</summary>
    public int RefusedOverLimit => Volatile.Read(ref _refusedOverLimit);

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
        var connection = new Connection(client, server, cutAfter, () => TimeSpan.FromTicks(Interlocked.Read(ref _serverDelayTicks)));
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
    private sealed class Connection
    {
        private readonly Socket _client;
        private readonly Socket _server;
        private readonly Lock _lock = new();
        private long _serverBytes;
        private long _cutAt = NoCut;
        private int _closed;

        private readonly Func<TimeSpan> _delay;

        public Connection(Socket client, Socket server, long cutAfter, Func<TimeSpan> delay)
        {
            _delay = delay;
            _client = client;
            _server = server;
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
            try
            {
                int read;
                while ((read = await _client.ReceiveAsync(buffer.AsMemory(), SocketFlags.None)) > 0)
                {
                    await _server.SendAsync(buffer.AsMemory(0, read), SocketFlags.None);
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
            var buffer = new byte[16 * 1024];
            try
            {
                int read;
                while ((read = await _server.ReceiveAsync(buffer.AsMemory(), SocketFlags.None)) > 0)
                {
                    if (_delay() is { Ticks: > 0 } delay)
                    {
                        await Task.Delay(delay);
                    }

                    var (allowed, cut) = Take(read);
                    if (allowed > 0)
                    {
                        await _client.SendAsync(buffer.AsMemory(0, allowed), SocketFlags.None);
                    }

                    if (cut)
                    {
                        Abort();
                        return;
                    }
                }

                _client.Shutdown(SocketShutdown.Send);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                Abort();
            }
        }

        /// <summary>How much of what the server just sent may pass, and whether the connection is cut after it.</summary>
        private (int Allowed, bool Cut) Take(int read)
        {
            lock (_lock)
            {
                var allowed = _cutAt == NoCut ? read : (int)Math.Clamp(_cutAt - _serverBytes, 0, read);
                _serverBytes += allowed;
                return (allowed, _cutAt != NoCut && _serverBytes >= _cutAt);
            }
        }
    }
}
