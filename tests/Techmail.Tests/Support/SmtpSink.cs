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
public sealed record ReceivedMail(string EnvelopeFrom, IReadOnlyList<string> Recipients, byte[] Raw, string? AuthenticatedUser)
{
    // Parsed when a test first looks: a relay stores bytes, and benchmarks that count thousands of messages never look.
    private readonly Lazy<MimeMessage> _message = new(() => MimeMessage.Load(new MemoryStream(Raw, writable: false)));

    public MimeMessage Message => _message.Value;
}

/// <summary>
/// A real SMTP server on a loopback port of its own that keeps everything it is sent: plain SMTP, no TLS,
/// AUTH PLAIN/LOGIN optional and any credentials accepted, so a relay configured with a login works too.
/// A test can script refusals: the next N messages answered with a chosen reply after DATA, or a recipient
/// refused at RCPT TO; and slowness: mail to a recipient answered only after a delay.
/// </summary>
public sealed class SmtpSink : IAsyncDisposable
{
    private readonly List<ReceivedMail> _messages = [];
    private readonly Lock _lock = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly Queue<SmtpResponse> _answers = new();
    private readonly Dictionary<string, SmtpResponse> _refusedRecipients = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, TimeSpan> _slowRecipients = new(StringComparer.OrdinalIgnoreCase);
    private int _refusals;
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

    /// <summary>How many messages were kept so far, without copying them (benchmarks poll it in a loop).</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _messages.Count;
            }
        }
    }

    /// <summary>While true, every AUTH is refused (535), as a relay does after a password change.</summary>
    public bool RefuseLogins { get; set; }

    /// <summary>Messages and recipients refused so far by a scripted reply.</summary>
    public int Refusals => Volatile.Read(ref _refusals);

    /// <summary>The next <paramref name="count"/> messages are answered with this reply after DATA, and not kept.</summary>
    public void AnswerNext(int count, int code, string text)
    {
        lock (_lock)
        {
            for (var i = 0; i < count; i++)
            {
                _answers.Enqueue(new SmtpResponse((SmtpReplyCode)code, text));
            }
        }
    }

    /// <summary>RCPT TO this address is answered with this reply from now on.</summary>
    public void RefuseRecipient(string address, int code, string text)
    {
        lock (_lock)
        {
            _refusedRecipients[address] = new SmtpResponse((SmtpReplyCode)code, text);
        }
    }

    /// <summary>
    /// From now on, a message to this address is kept but answered only after <paramref name="delay"/>: a relay that is
    /// slow to take mail (content scanning, a loaded server), slower if need be than a grain call may last.
    /// </summary>
    public void AnswerSlowly(string address, TimeSpan delay)
    {
        lock (_lock)
        {
            _slowRecipients[address] = delay;
        }
    }

    /// <summary>How many messages to this address were kept so far.</summary>
    public int CountTo(string address) => Messages.Count(m => m.Recipients.Contains(address, StringComparer.OrdinalIgnoreCase));

    /// <param name="port">A port chosen beforehand (a relay that is down until the test starts it); else a free one.</param>
    public static async Task<SmtpSink> Start(int? port = null)
    {
        var sink = new SmtpSink();
        try
        {
            // A free port is only free when picked; another test may bind it first.
            for (var attempt = 1; ; attempt++)
            {
                if (await sink.TryListen(port ?? FreePort.Next()))
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
        services.Add(new RecipientFilter(this));
        services.Add(new DelegatingUserAuthenticator((_, _) => !RefuseLogins));
        services.Add(new NoDelayListeners());

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

    private SmtpResponse? NextAnswer()
    {
        lock (_lock)
        {
            if (_answers.Count == 0)
            {
                return null;
            }

            _refusals++;
            return _answers.Dequeue();
        }
    }

    private TimeSpan Slowness(IEnumerable<string> recipients)
    {
        lock (_lock)
        {
            return recipients.Select(r => _slowRecipients.GetValueOrDefault(r)).DefaultIfEmpty().Max();
        }
    }

    private SmtpResponse? RecipientRefusal(string address)
    {
        lock (_lock)
        {
            if (!_refusedRecipients.TryGetValue(address, out var response))
            {
                return null;
            }

            _refusals++;
            return response;
        }
    }

    /// <summary>
    /// Listeners whose connections send replies at once. The library writes a reply in pieces; with Nagle's algorithm
    /// on, the last piece waits for the client's delayed ACK, some 40 ms a message, which no real relay costs and
    /// which would make a benchmark measure the sink instead of the sender. Accepted sockets inherit the option.
    /// </summary>
    private sealed class NoDelayListeners : SmtpServer.Net.IEndpointListenerFactory
    {
        public SmtpServer.Net.IEndpointListener CreateListener(IEndpointDefinition endpointDefinition)
        {
            var listener = new TcpListener(endpointDefinition.Endpoint);
            listener.Server.NoDelay = true;
            listener.Start();
            // The library's listener takes its TcpListener through a constructor it does not make public.
            return (SmtpServer.Net.IEndpointListener)Activator.CreateInstance(
                typeof(SmtpServer.Net.EndpointListener),
                System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Public,
                binder: null,
                [listener, (Action)listener.Stop],
                culture: null)!;
        }
    }

    private sealed class RecipientFilter(SmtpSink sink) : IMailboxFilter
    {
        public Task<bool> CanAcceptFromAsync(ISessionContext context, IMailbox from, int size, CancellationToken cancellationToken) => Task.FromResult(true);

        public Task<bool> CanDeliverToAsync(ISessionContext context, IMailbox to, IMailbox from, CancellationToken cancellationToken) =>
            sink.RecipientRefusal(Address(to)) is { } refusal ? throw new SmtpResponseException(refusal) : Task.FromResult(true);
    }

    private sealed class Store(SmtpSink sink) : IMessageStore
    {
        public async Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            if (sink.NextAnswer() is { } answer)
            {
                return answer;
            }

            // Answered late, as a slow relay does. Like a real relay it has stored the mail when its data ended: a
            // client that leaves before the answer still leaves the mail here.
            var slowness = sink.Slowness(transaction.To.Select(Address));
            var kept = Keep(context, transaction, buffer);
            if (slowness > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(slowness, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    sink.Add(kept);
                    throw;
                }
            }

            sink.Add(kept);
            return SmtpResponse.Ok;
        }

        private static ReceivedMail Keep(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer)
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

            var user = context.Authentication.IsAuthenticated ? context.Authentication.User : null;
            return new ReceivedMail(Address(transaction.From), [.. transaction.To.Select(Address)], raw, user);
        }
    }
}
