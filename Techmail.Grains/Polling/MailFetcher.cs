using System.Net.Sockets;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Net.Pop3;
using MailKit.Security;
using Techmail.Authentication;
using Microsoft.Extensions.Logging;
using Techmail.Mailboxes;
using Techmail.Observability;
using Techmail.Security;

namespace Techmail.Polling;

/// <summary>Opens sessions with POP3 and IMAP servers through MailKit and turns MailKit's failures into ours.</summary>
public sealed class MailFetcher(MailLogin login, PollingLimits limits, ImapConnectionPool pool, ILogger<MailFetcher> logger)
{
    public static readonly TimeSpan OperationTimeout = TimeSpan.FromSeconds(60);

    /// <param name="incoming">Settings with the password revealed.</param>
    /// <param name="keep">
    /// Where this mailbox's IMAP connection is kept between polls, or null when it is not (POP3, a long interval): a
    /// kept connection is used when it is still good, and the session offers its connection back when the poll went well.
    /// </param>
    /// <param name="mailbox">The mailbox's key: a delegated OAuth login asks its grant for the token.</param>
    public async Task<IMailSession> Open(IncomingSettings incoming, string mailbox, ImapPoolKey? keep, CancellationToken cancellationToken)
    {
        if (incoming.Protocol == MailProtocol.Pop3)
        {
            // POP3 is spoken by Techmail itself (see Pop3Connection); the listing rides on the login's flight.
            return Pop3Session.Over(await LoggedIn(incoming, mailbox, ConnectPop3, c => c, cancellationToken));
        }

        Func<KeptImapConnection, bool>? offer = keep is null ? null : c => pool.Return(keep, c);
        if (keep is not null && pool.Take(keep) is { } kept)
        {
            try
            {
                return await ImapSession.Open(kept, incoming.ProcessedFolder, limits.MaxDownloadBytes, offer, cancellationToken);
            }
            catch (Exception e)
            {
                kept.Dispose();
                if (cancellationToken.IsCancellationRequested)
                {
                    throw;
                }

                if (e is not (IOException or SocketException or ServiceNotConnectedException or ProtocolException or TimeoutException))
                {
                    throw Translate(e, $"{incoming.Host}:{incoming.EffectivePort}");
                }

                // The server let it go since the check (a race with its autologout, a reset on the way): the poll never
                // fails for that, it logs in afresh.
                TechmailMetrics.ImapPoolMiss("lost");
                logger.LogDebug(e, "A kept IMAP connection to {Server} was lost; logging in again", $"{incoming.Host}:{incoming.EffectivePort}");
            }
        }

        var connection = await LoggedIn(incoming, mailbox, ConnectImapClient, c => new MailServiceSignIn(c.Client), cancellationToken);
        try
        {
            return await ImapSession.Open(connection, incoming.ProcessedFolder, limits.MaxDownloadBytes, offer, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            connection.Dispose();
            throw Translate(e, $"{incoming.Host}:{incoming.EffectivePort}");
        }
    }

    /// <summary>A connected, authenticated IMAP client, with the same checks as a poll (never a kept one).</summary>
    public async Task<ImapClient> ConnectImap(IncomingSettings incoming, string mailbox, CancellationToken cancellationToken) =>
        (await LoggedIn(incoming, mailbox, ConnectImapClient, c => new MailServiceSignIn(c.Client), cancellationToken)).Client;

    private async Task<T> LoggedIn<T>(IncomingSettings incoming, string mailbox, Connector<T> connect, Func<T, ISignInChannel> channel, CancellationToken cancellationToken)
        where T : IDisposable
    {
        try
        {
            return await LoggedIn(incoming, mailbox, connect, channel, firstTry: true, cancellationToken);
        }
        catch (StaleTokenException)
        {
            return await LoggedIn(incoming, mailbox, connect, channel, firstTry: false, cancellationToken);
        }
    }

    private delegate Task<T> Connector<T>(IncomingSettings incoming, SecureSocketOptions options, CertificateCheck check, IProtocolLogger loginLog, CancellationToken cancellationToken);

    private async Task<T> LoggedIn<T>(IncomingSettings incoming, string mailbox, Connector<T> connect, Func<T, ISignInChannel> channel, bool firstTry, CancellationToken cancellationToken)
        where T : IDisposable
    {
        var check = new CertificateCheck(incoming.Trust);
        // The server's last line during the login: MailKit reports every refused login as "Authentication failed.",
        // and only the server's words tell a refusal for the account's sessions from a wrong password.
        var replies = new LoginReplyLog();
        var server = $"{incoming.Host}:{incoming.EffectivePort}";
        var options = TransportSecurity.SocketOptions(incoming.Tls, incoming.EffectivePort);
        T client;
        try
        {
            client = await connect(incoming, options, check, replies, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var failure = TransportSecurity.StartTlsMissing(e, options, server, "--tls") ?? Translate(e, server, check.Problem);
            // A certificate refusal is this mailbox's trust settings, never the server's health.
            throw failure.Failure == MailFetchFailure.Transient
                ? new MailFetchException(failure.Failure, failure.Message, failure.InnerException) { BeforeLogin = true }
                : failure;
        }

        try
        {
            await login.LogIn(channel(client), LoginRequest.For(incoming, mailbox), server, firstTry, cancellationToken);
            replies.Stop();
            return client;
        }
        catch (StaleTokenException)
        {
            client.Dispose();
            throw;
        }
        catch (AuthenticationException e) when (ServerPushbacks.InReply(replies.LastLine ?? e.Message) is { } pushback)
        {
            // Refused for the session, not the password: worth trying again once the account's other sessions are gone.
            // (Techmail's POP3 client puts the server's words in the exception; MailKit's IMAP client leaves them to the log.)
            client.Dispose();
            throw new MailFetchException(MailFetchFailure.Transient, $"{server}: the server turned the session away ({Printable(replies.LastLine ?? e.Message)})", e) { Pushback = pushback };
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            client.Dispose();
            throw Translate(e, server, check.Problem);
        }
    }

    private static async Task<Pop3Connection> ConnectPop3(IncomingSettings incoming, SecureSocketOptions options, CertificateCheck check, IProtocolLogger loginLog, CancellationToken cancellationToken)
    {
        var connection = await Pop3Connection.Open(incoming.Host, incoming.EffectivePort, options, check, OperationTimeout, cancellationToken);
        connection.SendAfterLogin(Pop3Session.Listing(connection));
        return connection;
    }

    /// <summary>Connects over a socket of our own, which tells later, without a command, whether a kept connection is still there.</summary>
    private static async Task<KeptImapConnection> ConnectImapClient(IncomingSettings incoming, SecureSocketOptions options, CertificateCheck check, IProtocolLogger loginLog, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var client = new ImapClient(loginLog)
        {
            Timeout = (int)OperationTimeout.TotalMilliseconds,
            ServerCertificateValidationCallback = check.Validate,
            CheckCertificateRevocation = false,
        };
        try
        {
            await socket.ConnectAsync(incoming.Host, incoming.EffectivePort, cancellationToken);
            await client.ConnectAsync(socket, incoming.Host, incoming.EffectivePort, options, cancellationToken);
            return new KeptImapConnection(client, socket);
        }
        catch
        {
            client.Dispose();
            socket.Dispose();
            throw;
        }
    }

    /// <summary>A server's line as the status shows it: printable, and short.</summary>
    private static string Printable(string line) => FirstLine(new string(line.Select(c => char.IsControl(c) ? '?' : c).ToArray()));

    /// <summary>Classifies any failure of a session so the caller knows whether to retry, back off or alert.</summary>
    public static MailFetchException Translate(Exception e, string server, string? certificateProblem = null) => e switch
    {
        MailFetchException known => known,
        AuthenticationException => new(MailFetchFailure.Authentication, $"{server}: authentication failed ({FirstLine(e.Message)})", e),
        SslHandshakeException => new(MailFetchFailure.Certificate, $"{server}: TLS refused: {certificateProblem ?? FirstLine(e.Message)}", e),
        SocketException s => new(MailFetchFailure.Transient, $"{server}: {Describe(s)}", e),
        IOException or TimeoutException or OperationCanceledException => new(MailFetchFailure.Transient, $"{server}: connection lost ({FirstLine(e.Message)})", e),
        ServiceNotConnectedException => new(MailFetchFailure.Transient, $"{server}: connection lost", e),
        Pop3CommandException p when p.Message.Contains("[IN-USE]", StringComparison.OrdinalIgnoreCase) || p.StatusText?.Contains("[IN-USE]", StringComparison.OrdinalIgnoreCase) == true
            => new(MailFetchFailure.Transient, $"{server}: mailbox in use by another session", e),
        Pop3ProtocolException or ImapProtocolException => new(MailFetchFailure.Transient, $"{server}: {FirstLine(e.Message)}", e),
        _ => new(MailFetchFailure.Protocol, $"{server}: {FirstLine(e.Message)}", e),
    };

    private static string Describe(SocketException s) => s.SocketErrorCode switch
    {
        SocketError.ConnectionRefused => "connection refused",
        SocketError.ConnectionReset => "connection reset",
        SocketError.TimedOut => "connection timed out",
        SocketError.HostNotFound or SocketError.NoData => "host not found",
        SocketError.HostUnreachable or SocketError.NetworkUnreachable => "host unreachable",
        var other => other.ToString(),
    };

    internal static string FirstLine(string text)
    {
        var line = text.Split('\n')[0].Trim();
        return line.Length > 200 ? line[..200] : line;
    }
}
