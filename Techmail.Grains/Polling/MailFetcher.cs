using System.Net.Sockets;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Net.Pop3;
using MailKit.Security;
using Techmail.Authentication;
using Techmail.Mailboxes;
using Techmail.Security;

namespace Techmail.Polling;

/// <summary>Opens sessions with POP3 and IMAP servers through MailKit and turns MailKit's failures into ours.</summary>
public sealed class MailFetcher(MailLogin login, PollingLimits limits)
{
    public static readonly TimeSpan OperationTimeout = TimeSpan.FromSeconds(60);

    /// <param name="incoming">Settings with the password revealed.</param>
    public async Task<IMailSession> Open(IncomingSettings incoming, CancellationToken cancellationToken)
    {
        var client = await Connect(incoming, cancellationToken);
        try
        {
            return client switch
            {
                Pop3Client pop3 => new Pop3Session(pop3),
                ImapClient imap => await ImapSession.Open(imap, incoming.ProcessedFolder, limits.MaxDownloadBytes, cancellationToken),
                _ => throw new InvalidOperationException(),
            };
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            client.Dispose();
            throw Translate(e, $"{incoming.Host}:{incoming.EffectivePort}");
        }
    }

    /// <summary>A connected, authenticated client (IMAP or POP3 as the settings say), with the same checks as a poll.</summary>
    public async Task<MailService> Connect(IncomingSettings incoming, CancellationToken cancellationToken)
    {
        try
        {
            return await Connect(incoming, firstTry: true, cancellationToken);
        }
        catch (StaleTokenException)
        {
            return await Connect(incoming, firstTry: false, cancellationToken);
        }
    }

    private async Task<MailService> Connect(IncomingSettings incoming, bool firstTry, CancellationToken cancellationToken)
    {
        var check = new CertificateCheck(incoming.Trust);
        var replies = new LoginReplyLog();
        MailService client = incoming.Protocol == MailProtocol.Imap ? new ImapClient(replies) : new Pop3Client(replies);
        client.Timeout = (int)OperationTimeout.TotalMilliseconds;
        client.ServerCertificateValidationCallback = check.Validate;
        client.CheckCertificateRevocation = false;
        var server = $"{incoming.Host}:{incoming.EffectivePort}";
        var options = TransportSecurity.SocketOptions(incoming.Tls, incoming.EffectivePort);
        try
        {
            await client.ConnectAsync(incoming.Host, incoming.EffectivePort, options, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            client.Dispose();
            var failure = TransportSecurity.StartTlsMissing(e, options, server, "--tls") ?? Translate(e, server, check.Problem);
            // A certificate refusal is this mailbox's trust settings, never the server's health.
            throw failure.Failure == MailFetchFailure.Transient
                ? new MailFetchException(failure.Failure, failure.Message, failure.InnerException) { BeforeLogin = true }
                : failure;
        }

        try
        {
            await login.LogIn(client, LoginRequest.For(incoming), server, firstTry, cancellationToken);
            replies.Stop();
            return client;
        }
        catch (StaleTokenException)
        {
            client.Dispose();
            throw;
        }
        catch (AuthenticationException e) when (ServerPushbacks.InReply(replies.LastLine) is { } pushback)
        {
            // Refused for the session, not the password: worth trying again once the account's other sessions are gone.
            client.Dispose();
            throw new MailFetchException(MailFetchFailure.Transient, $"{server}: the server turned the session away ({Printable(replies.LastLine!)})", e) { Pushback = pushback };
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            client.Dispose();
            throw Translate(e, server, check.Problem);
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
