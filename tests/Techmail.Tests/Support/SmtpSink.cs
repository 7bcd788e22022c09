using System.Buffers;
using System.Net;
using System.Net.Sockets;
using MimeKit;
using SmtpServer;
using SmtpServer.Authentication;
using SmtpServer.Mail;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace Techmail.Tests.Support;

/// <summary>One message as the sink received it: the SMTP envelope as well as the content.</summary>
/// <param name="EnvelopeFrom">The MAIL FROM address; empty for the null reverse-path <c>&lt;&gt;</c>.</param>
/// <param name="AuthenticatedUser">Who logged in with AUTH, or null when the client sent no AUTH.</param>
public sealed record ReceivedMail(string EnvelopeFrom, IReadOnlyList<string> Recipients, byte[] Raw, MimeMessage Message, string? AuthenticatedUser);

/// <summary>
/// A real SMTP server on a loopback port of its own that keeps everything it is sent: plain SMTP, no TLS,
/// AUTH PLAIN/LOGIN optional and any credentials accepted, so a relay configured with a login works too.
/// </summary>
public sealed class SmtpSink : IAsyncDisposable
{
    private readonly List<ReceivedMail> _messages = [];
    private readonly Lock _lock = new();
    private readonly CancellationTokenSource _stopping = new();
    private TaskCompletionSource _arrived = NewSignal();
    private Task _running = Task.CompletedTask;

    private SmtpSink()
    {
    }

    public int Port { get; private set; }

    public IReadOnlyList<ReceivedMail> Messages
    {
        get
        {
            lock (_lock)
            {
                return [.. _messages];
            }
        }
    }

    public static async Task<SmtpSink> Start()
    {
        var sink = new SmtpSink();
        try
        {
            // A free port is only free when picked; another test may bind it first.
            for (var attempt = 1; ; attempt++)
            {
                if (await sink.TryListen(FreePort.Next()))
                {
                    return sink;
                }

                if (attempt == 3)
                {
                    if (sink._running.IsFaulted)
                    {
                        await sink._running;
                    }

                    throw new InvalidOperationException($"SMTP sink is not accepting connections on port {sink.Port}.");
                }
            }
        }
        catch
        {
            await sink.DisposeAsync();
            throw;
        }
    }

    /// <summary>The first message, received before or during the wait, that matches.</summary>
    public async Task<ReceivedMail> WaitFor(Func<ReceivedMail, bool> match, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            Task arrived;
            lock (_lock)
            {
                var found = _messages.FirstOrDefault(match);
                if (found is not null)
                {
                    return found;
                }

                arrived = _arrived.Task;
            }

            var remaining = deadline - DateTime.UtcNow;
            if (remaining <= TimeSpan.Zero || await Task.WhenAny(arrived, Task.Delay(remaining)) != arrived)
            {
                throw new TimeoutException($"No matching message within {timeout}. Received:\n{Describe()}");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Cancelling rather than a graceful Shutdown, which would wait for idle client sessions to end.
        await _stopping.CancelAsync();
        try
        {
            await _running.WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (Exception e) when (e is OperationCanceledException or TimeoutException or SocketException)
        {
            // Stopped, slow to stop, or never bound: nothing is left listening either way.
        }

        _stopping.Dispose();
    }

    private async Task<bool> TryListen(int port)
    {
        var options = new SmtpServerOptionsBuilder()
            .ServerName("localhost")
            .Endpoint(endpoint => endpoint
                .Endpoint(new IPEndPoint(IPAddress.Loopback, port))
                .AuthenticationRequired(false)
                .AllowUnsecureAuthentication(true))
            .Build();

        var services = new SmtpServer.ComponentModel.ServiceProvider();
        services.Add(new Store(this));
        services.Add(new DelegatingUserAuthenticator((_, _) => true));

        _running = new SmtpServer.SmtpServer(options, services).StartAsync(_stopping.Token);
        Port = port;

        // The server binds as it starts, and a clash faults it; until then, wait for it to answer.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!_running.IsCompleted && DateTime.UtcNow < deadline)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return !_running.IsCompleted;
            }
            catch (SocketException)
            {
                await Task.Delay(10);
            }
        }

        return false;
    }

    private void Add(ReceivedMail mail)
    {
        lock (_lock)
        {
            _messages.Add(mail);
            var arrived = _arrived;
            _arrived = NewSignal();
            arrived.SetResult();
        }
    }

    private string Describe()
    {
        var lines = Messages.Select(m => $"  from <{m.EnvelopeFrom}> to {string.Join(", ", m.Recipients)}: {m.Message.Subject}").ToList();
        return lines.Count == 0 ? "  (nothing)" : string.Join('\n', lines);
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static string Address(IMailbox mailbox) =>
        string.IsNullOrEmpty(mailbox.User) && string.IsNullOrEmpty(mailbox.Host) ? "" : mailbox.AsAddress();

    private sealed class Store(SmtpSink sink) : IMessageStore
    {
        public Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            // SmtpServer hands over the data without the CRLF that ends its last line (it takes it as part of
            // the terminating CRLF.CRLF); put it back so Raw is byte for byte what the client sent.
            var raw = new byte[buffer.Length == 0 ? 0 : buffer.Length + 2];
            buffer.CopyTo(raw);
            if (raw.Length > 0)
            {
                raw[^2] = (byte)'\r';
                raw[^1] = (byte)'\n';
            }

            var message = MimeMessage.Load(new MemoryStream(raw, writable: false), cancellationToken);
            var user = context.Authentication.IsAuthenticated ? context.Authentication.User : null;
            sink.Add(new ReceivedMail(Address(transaction.From), [.. transaction.To.Select(Address)], raw, message, user));
            return Task.FromResult(SmtpResponse.Ok);
        }
    }
}
