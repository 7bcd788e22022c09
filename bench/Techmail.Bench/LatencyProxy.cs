using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;

namespace Techmail.Bench;

/// <summary>
/// A TCP proxy on a loopback port in front of a local server that makes it look far away: every chunk either side
/// sends is passed on half a round trip later, in order. The delay is a postponement, not a queue served one at a
/// time: reading goes on while earlier chunks wait their turn, so a long answer still streams at full speed and only
/// each exchange of a conversation (greeting, USER, PASS, ...) costs the added round trip.
/// </summary>
public sealed class LatencyProxy : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly int _targetPort;
    private readonly long _halfTripTicks;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _accepting;
    private long _connections;

    private LatencyProxy(int targetPort, TimeSpan roundTrip)
    {
        _targetPort = targetPort;
        _halfTripTicks = roundTrip.Ticks / 2;
        // A backlog of its own: thousands of mailboxes connect in bursts, and the default would refuse some.
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start(backlog: 4096);
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = Task.Run(AcceptLoop);
    }

    public int Port { get; }

    public TimeSpan RoundTrip => TimeSpan.FromTicks(_halfTripTicks * 2);

    /// <summary>Connections accepted so far.</summary>
    public long Connections => Interlocked.Read(ref _connections);

    public static LatencyProxy Start(int targetPort, TimeSpan roundTrip) => new(targetPort, roundTrip);

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Stop();
        await _accepting;
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

            Interlocked.Increment(ref _connections);
            _ = Serve(client);
        }
    }

    private async Task Serve(Socket client)
    {
        var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        client.NoDelay = true;
        server.NoDelay = true;
        try
        {
            // Connecting is a round trip of its own (SYN, SYN-ACK) before the server can greet.
            await Task.Delay(TimeSpan.FromTicks(_halfTripTicks * 2), _stopping.Token);
            await server.ConnectAsync(IPAddress.Loopback, _targetPort, _stopping.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            client.Dispose();
            server.Dispose();
            return;
        }

        using (client)
        using (server)
        {
            await Task.WhenAll(Pump(client, server), Pump(server, client));
        }
    }

    /// <summary>One direction: a reader that stamps each chunk with when it may go, and a writer that sends it then.</summary>
    private async Task Pump(Socket from, Socket to)
    {
        var chunks = Channel.CreateUnbounded<(long Due, byte[] Data, int Length)>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var writing = Write(chunks.Reader, to, from);
        try
        {
            while (true)
            {
                var buffer = new byte[16 * 1024];
                var read = await from.ReceiveAsync(buffer.AsMemory(), SocketFlags.None);
                if (read == 0)
                {
                    break;
                }

                chunks.Writer.TryWrite((Environment.TickCount64 * TimeSpan.TicksPerMillisecond + _halfTripTicks, buffer, read));
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // The other direction, or the peer, closed: the writer sends what is left and stops.
        }

        chunks.Writer.TryComplete();
        await writing;
    }

    private static async Task Write(ChannelReader<(long Due, byte[] Data, int Length)> chunks, Socket to, Socket from)
    {
        try
        {
            await foreach (var (due, data, length) in chunks.ReadAllAsync())
            {
                var wait = due - Environment.TickCount64 * TimeSpan.TicksPerMillisecond;
                if (wait >= TimeSpan.TicksPerMillisecond)
                {
                    await Task.Delay(TimeSpan.FromTicks(wait));
                }

                await to.SendAsync(data.AsMemory(0, length), SocketFlags.None);
            }

            // This side finished sending (half a round trip after it did): the other may still answer.
            to.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // A reset: both sides go.
            from.Dispose();
            to.Dispose();
        }
    }
}
