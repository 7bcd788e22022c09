using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using MailKit.Net.Pop3;
using MailKit.Security;
using Techmail.Authentication;
using Techmail.Security;

namespace Techmail.Polling;

/// <summary>One POP3 command; <paramref name="MultiLine"/> when a positive answer is followed by lines ending in ".".</summary>
internal readonly record struct Pop3Command(string Text, bool MultiLine);

/// <summary>A server's answer: its status line and, for a multi-line answer, the lines with the dots unstuffed.</summary>
internal sealed record Pop3Reply(bool Ok, string Status, byte[] Lines);

/// <summary>
/// POP3 on the wire (RFC 1939, CAPA and PIPELINING from RFC 2449, AUTH with an initial response from RFC 5034), spoken
/// by Techmail itself rather than by MailKit's client, because that client costs an empty poll eight round trips: it
/// sends USER and PASS apart, asks for the capabilities again and STAT twice after the login, and waits for the
/// answer to QUIT. Here, where the server offers PIPELINING, the login and the listing (LIST, UIDL) go in one flight,
/// downloads and deletions go in one flight each, and a session that deleted nothing quits without waiting. The SASL
/// mechanisms themselves stay MailKit's; <see cref="MailLogin"/> still chooses how to log in.
/// </summary>
internal sealed class Pop3Connection : ISignInChannel, IDisposable
{
    private const int MaxStatusLine = 64 * 1024;
    private const int MaxCommandLine = 255;
    private static readonly Pop3Command Capa = new("CAPA", true);

    private readonly Socket _socket;
    private readonly string _host;
    private readonly string _server;
    private readonly int _port;
    private readonly TimeSpan _readTimeout;
    private readonly byte[] _buffer = new byte[64 * 1024];

    /// <summary>
    /// Where multi-line answers are gathered, kept from one answer to the next: growing a fresh stream to the size of
    /// each message, doubling as it went, cost more allocation than anything else in a poll. Only a stream no larger
    /// than <see cref="KeptReplyCapacity"/> is kept, so one huge message is not held for the rest of the session.
    /// </summary>
    private MemoryStream? _reply;
    private const int KeptReplyCapacity = 1024 * 1024;
    private Stream _stream;
    private int _start;
    private int _end;
    private string? _apopTimestamp;
    private HashSet<string> _capabilities = new(StringComparer.OrdinalIgnoreCase);
    private List<string> _sasl = [];
    private IReadOnlyList<Pop3Command> _afterLogin = [];
    private bool _disposed;

    private Pop3Connection(Socket socket, string host, int port, TimeSpan readTimeout)
    {
        _socket = socket;
        _host = host;
        _port = port;
        _server = $"{host}:{port}";
        _readTimeout = readTimeout;
        _stream = new NetworkStream(socket, ownsSocket: true);
    }

    public IReadOnlyCollection<string> SaslMechanisms => _sasl;

    /// <summary>USER is always offered (RFC 1939 has no way to refuse it in advance); APOP when the greeting has a timestamp.</summary>
    public IReadOnlyCollection<string> OtherLogins => _apopTimestamp is null ? [SignInPlan.User] : ["APOP", SignInPlan.User];

    public bool IsSecure { get; private set; }

    public bool Pipelining => _capabilities.Contains("PIPELINING");

    public bool HasUidl => _capabilities.Contains("UIDL");

    /// <summary>The answers to the commands sent behind the login (see <see cref="SendAfterLogin"/>), once logged in.</summary>
    public IReadOnlyList<Pop3Reply>? AfterLoginReplies { get; private set; }

    /// <summary>
    /// Connects, reads the greeting and the capabilities, and sets up TLS as <paramref name="options"/> says: implicit
    /// TLS, STLS required (a server without it fails with <see cref="NotSupportedException"/> before anything is sent,
    /// as MailKit's connect does), or none.
    /// </summary>
    public static async Task<Pop3Connection> Open(string host, int port, SecureSocketOptions options, CertificateCheck check, TimeSpan readTimeout, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(host, port, cancellationToken);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var connection = new Pop3Connection(socket, host, port, readTimeout);
        try
        {
            if (options == SecureSocketOptions.SslOnConnect)
            {
                await connection.StartTls(check, cancellationToken);
            }

            var greeting = await connection.ReadStatus(cancellationToken);
            if (!greeting.StartsWith("+OK", StringComparison.Ordinal))
            {
                throw new Pop3ProtocolException($"unexpected greeting: {greeting}");
            }

            // APOP's timestamp: the msg-id in angle brackets at the end of the greeting.
            var open = greeting.IndexOf('<', StringComparison.Ordinal);
            var close = greeting.LastIndexOf('>');
            connection._apopTimestamp = open >= 0 && close > open && greeting.IndexOf('@', open) is var at && at > open && at < close ? greeting[open..(close + 1)] : null;
            await connection.ReadCapabilities(cancellationToken);

            if (options is SecureSocketOptions.StartTls or SecureSocketOptions.StartTlsWhenAvailable)
            {
                if (!connection._capabilities.Contains("STLS"))
                {
                    if (options == SecureSocketOptions.StartTls)
                    {
                        throw new NotSupportedException("The POP3 server does not support the STLS extension.");
                    }
                }
                else
                {
                    var stls = await connection.Exchange([new Pop3Command("STLS", false)], cancellationToken);
                    if (!stls[0].Ok)
                    {
                        throw new Pop3CommandException($"STLS refused: {stls[0].Status}", stls[0].Status);
                    }

                    await connection.StartTls(check, cancellationToken);
                    // What the server said before TLS may have been changed on the way: ask again (RFC 2595).
                    await connection.ReadCapabilities(cancellationToken);
                }
            }

            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Commands to send right behind the login, in the same flight where the server takes pipelined commands (the
    /// listing, so an empty poll learns it has nothing to do with the login's answer). Their answers are in
    /// <see cref="AfterLoginReplies"/>.
    /// </summary>
    public void SendAfterLogin(IReadOnlyList<Pop3Command> commands) => _afterLogin = commands;

    public async Task Authenticate(SaslMechanism mechanism, CancellationToken cancellationToken)
    {
        if (mechanism is SaslMechanismOAuthBearer)
        {
            // It must name the host and port, which MailKit's takes from where only its own clients can set them.
            mechanism = new OAuthBearerSasl(mechanism.Credentials, _host, _port);
        }
        var initial = mechanism.SupportsInitialResponse ? mechanism.Challenge(null, cancellationToken) : null;
        var withInitial = initial is null ? null : $"AUTH {mechanism.MechanismName} {(initial.Length == 0 ? "=" : initial)}";

        // PLAIN is over with its initial response: the answer is +OK or -ERR, never a challenge, so what follows the
        // login can go in the same flight. Any other mechanism may answer with a challenge (XOAUTH2's error, SCRAM's
        // steps), which a pipelined command would be taken for the response to.
        if (withInitial is { Length: <= MaxCommandLine } && mechanism.MechanismName.Equals("PLAIN", StringComparison.OrdinalIgnoreCase))
        {
            await LogIn([new Pop3Command(withInitial, false)], cancellationToken);
            return;
        }

        // RFC 5034: a command line over 255 octets (a long OAuth token) goes without its initial response, which then
        // answers the server's first, empty challenge.
        var pending = withInitial is { Length: <= MaxCommandLine } ? null : initial;
        await Write([new Pop3Command(pending is null && withInitial is not null ? withInitial : $"AUTH {mechanism.MechanismName}", false)], cancellationToken);
        while (true)
        {
            var status = await ReadStatus(cancellationToken);
            if (status.StartsWith("+OK", StringComparison.Ordinal))
            {
                break;
            }

            if (!status.StartsWith('+'))
            {
                throw Refused(status);
            }

            var response = pending ?? mechanism.Challenge(status.Length > 2 ? status[2..].Trim() : "", cancellationToken);
            pending = null;
            await Write([new Pop3Command(response, false)], cancellationToken);
        }

        AfterLoginReplies = await Exchange(_afterLogin, cancellationToken);
    }

    public Task AuthenticateApop(NetworkCredential credentials, CancellationToken cancellationToken)
    {
        var digest = Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(_apopTimestamp + credentials.Password)));
        return LogIn([new Pop3Command($"APOP {credentials.UserName} {digest}", false)], cancellationToken);
    }

    public Task AuthenticateCommand(NetworkCredential credentials, CancellationToken cancellationToken) =>
        LogIn([new Pop3Command($"USER {credentials.UserName}", false), new Pop3Command($"PASS {credentials.Password}", false)], cancellationToken);

    /// <summary>
    /// Sends the commands, all in one flight where the server takes pipelined commands, and reads their answers in
    /// order; without PIPELINING each waits for the one before.
    /// </summary>
    public async Task<IReadOnlyList<Pop3Reply>> Exchange(IReadOnlyList<Pop3Command> commands, CancellationToken cancellationToken, Action<int, Pop3Reply>? check = null)
    {
        var replies = new Pop3Reply[commands.Count];
        if (commands.Count == 0)
        {
            return replies;
        }

        if (Pipelining)
        {
            await Write(commands, cancellationToken);
        }

        for (var i = 0; i < commands.Count; i++)
        {
            if (!Pipelining)
            {
                await Write([commands[i]], cancellationToken);
            }

            replies[i] = await Read(commands[i], cancellationToken);
            // Throwing here leaves the rest unread (and, without pipelining, unsent): the connection is then given up.
            check?.Invoke(i, replies[i]);
        }

        return replies;
    }

    /// <summary>Ends the session without waiting for the server's answer: for a session that changed nothing.</summary>
    public async Task QuitWithoutWaiting(CancellationToken cancellationToken)
    {
        try
        {
            await Write([new Pop3Command("QUIT", false)], cancellationToken);
        }
        finally
        {
            Dispose();
        }
    }

    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _stream.Dispose();
            _socket.Dispose();
        }
    }

    /// <summary>The login commands and what follows them: one flight with PIPELINING. A refused login stops at once.</summary>
    private async Task LogIn(IReadOnlyList<Pop3Command> login, CancellationToken cancellationToken)
    {
        var replies = await Exchange([.. login, .. _afterLogin], cancellationToken, (i, reply) =>
        {
            if (i < login.Count && !reply.Ok)
            {
                throw Refused(reply.Status);
            }
        });
        AfterLoginReplies = replies.Skip(login.Count).ToList();
    }

    /// <summary>
    /// A refused login, unless the server says the refusal is temporary (RFC 2449's [IN-USE] and [SYS/TEMP] response
    /// codes): those are a busy mailbox or server, worth a retry, not a wrong password.
    /// </summary>
    private static Exception Refused(string status) =>
        status.Contains("[IN-USE]", StringComparison.OrdinalIgnoreCase) || status.Contains("[SYS/TEMP]", StringComparison.OrdinalIgnoreCase)
            ? new Pop3CommandException(status, status)
            : new AuthenticationException(status.StartsWith("-ERR", StringComparison.Ordinal) ? status[4..].Trim() : status);

    private async Task StartTls(CertificateCheck check, CancellationToken cancellationToken)
    {
        var ssl = new SslStream(_stream, leaveInnerStreamOpen: false);
        _stream = ssl;
        try
        {
            await ssl.AuthenticateAsClientAsync(
                new SslClientAuthenticationOptions
                {
                    TargetHost = _host,
                    RemoteCertificateValidationCallback = check.Validate,
                    CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                },
                cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw new SslHandshakeException($"{_server}: TLS handshake failed ({e.Message})", e);
        }

        IsSecure = true;
    }

    private async Task ReadCapabilities(CancellationToken cancellationToken)
    {
        var reply = (await Exchange([Capa], cancellationToken))[0];
        _capabilities = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        _sasl = [];
        if (!reply.Ok)
        {
            // A server without CAPA (RFC 1939 only): no pipelining, no UIDL promised, USER/PASS or APOP to log in.
            return;
        }

        foreach (var line in Lines(reply))
        {
            var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (words.Length == 0)
            {
                continue;
            }

            _capabilities.Add(words[0]);
            if (words[0].Equals("SASL", StringComparison.OrdinalIgnoreCase))
            {
                _sasl = [.. words.Skip(1).Select(w => w.ToUpperInvariant())];
            }
        }
    }

    /// <summary>The lines of a multi-line answer, as text.</summary>
    public static IEnumerable<string> Lines(Pop3Reply reply) =>
        Encoding.UTF8.GetString(reply.Lines).Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0);

    private async Task Write(IReadOnlyList<Pop3Command> commands, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var text = new StringBuilder();
        foreach (var command in commands)
        {
            text.Append(command.Text).Append("\r\n");
        }

        await _stream.WriteAsync(Encoding.UTF8.GetBytes(text.ToString()), cancellationToken);
        await _stream.FlushAsync(cancellationToken);
    }

    private async Task<Pop3Reply> Read(Pop3Command command, CancellationToken cancellationToken)
    {
        var status = await ReadStatus(cancellationToken);
        var ok = status.StartsWith("+OK", StringComparison.Ordinal);
        if (!ok && !status.StartsWith("-ERR", StringComparison.Ordinal))
        {
            throw new Pop3ProtocolException($"unexpected answer to {command.Text.Split(' ')[0]}: {MailFetcher.FirstLine(status)}");
        }

        return new Pop3Reply(ok, status, ok && command.MultiLine ? await ReadLines(cancellationToken) : []);
    }

    private async Task<string> ReadStatus(CancellationToken cancellationToken)
    {
        using var line = new MemoryStream();
        await ReadLine(line, MaxStatusLine, cancellationToken);
        return Encoding.UTF8.GetString(line.GetBuffer(), 0, (int)line.Length).TrimEnd('\r', '\n');
    }

    /// <summary>The lines up to the "." line, each with its line break, a leading dot of a stuffed line removed.</summary>
    private async Task<byte[]> ReadLines(CancellationToken cancellationToken)
    {
        var body = _reply ?? new MemoryStream();
        _reply = null;
        body.SetLength(0);
        try
        {
            return await ReadLinesInto(body, cancellationToken);
        }
        finally
        {
            if (body.Capacity <= KeptReplyCapacity) _reply = body;
        }
    }

    private async Task<byte[]> ReadLinesInto(MemoryStream body, CancellationToken cancellationToken)
    {
        while (true)
        {
            await Fill(2, cancellationToken);
            if (_buffer[_start] == (byte)'.')
            {
                await Fill(3, cancellationToken);
                var rest = _end - _start;
                if ((rest >= 2 && _buffer[_start + 1] == (byte)'\n') || (rest >= 3 && _buffer[_start + 1] == (byte)'\r' && _buffer[_start + 2] == (byte)'\n'))
                {
                    _start += _buffer[_start + 1] == (byte)'\n' ? 2 : 3;
                    return body.ToArray();
                }

                _start++;
            }

            await ReadLine(body, long.MaxValue, cancellationToken);
        }
    }

    /// <summary>Copies bytes up to and including the next LF into <paramref name="into"/>, however long the line.</summary>
    private async Task ReadLine(MemoryStream into, long limit, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (_start == _end)
            {
                await Fill(1, cancellationToken);
            }

            var available = _buffer.AsSpan(_start, _end - _start);
            var lf = available.IndexOf((byte)'\n');
            var take = lf >= 0 ? lf + 1 : available.Length;
            into.Write(available[..take]);
            _start += take;
            if (lf >= 0)
            {
                return;
            }

            if (into.Length > limit)
            {
                throw new Pop3ProtocolException($"an answer line longer than {limit} bytes");
            }
        }
    }

    /// <summary>Reads until at least <paramref name="count"/> bytes are buffered (fewer only at the end of the stream after a line).</summary>
    private async Task Fill(int count, CancellationToken cancellationToken)
    {
        if (_end - _start >= count)
        {
            return;
        }

        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }

        while (_end - _start < count)
        {
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            limit.CancelAfter(_readTimeout);
            int read;
            try
            {
                read = await _stream.ReadAsync(_buffer.AsMemory(_end), limit.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"no answer within {_readTimeout.TotalSeconds:0} s");
            }

            if (read == 0)
            {
                // A line that ended just before the end of the stream is still whole; anything else was cut.
                if (_end > _start && _buffer[_end - 1] == (byte)'\n')
                {
                    return;
                }

                throw new IOException("the server closed the connection");
            }

            _end += read;
        }
    }
}
