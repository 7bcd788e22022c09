using System.Net.Sockets;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using Techmail.Authentication;
using Techmail.Mailboxes;
using Techmail.Polling;
using Techmail.Security;

namespace Techmail.Outgoing;

/// <summary>Sends mail through a mailbox's SMTP relay with MailKit.</summary>
public sealed class MailSender(MailLogin login)
{
    /// <summary>Stamped on everything Techmail sends, so its own mail is recognised when it comes back.</summary>
    public const string GeneratedHeader = "X-Techmail-Generated";

    /// <param name="outgoing">Settings with the relay password revealed.</param>
    public Task Send(OutgoingSettings outgoing, MimeMessage message, IReadOnlyList<MailboxAddress> recipients, CancellationToken cancellationToken) =>
        Send(outgoing, outgoing.EnvelopeFrom, message, recipients, cancellationToken);

    /// <summary>Sends a message composed earlier (an outbox row) exactly as stored, with its own envelope.</summary>
    /// <param name="outgoing">Settings with the relay password revealed; only the relay is used.</param>
    public async Task SendRaw(OutgoingSettings outgoing, string envelopeFrom, IReadOnlyList<string> recipients, byte[] raw, CancellationToken cancellationToken)
    {
        await using var session = await Open(outgoing, null, cancellationToken);
        await session.SendRaw(envelopeFrom, recipients, raw, cancellationToken);
        await session.Close(cancellationToken);
    }

    /// <summary>
    /// A logged-in session with the relay, for sending many messages over one connection: an outbox with a
    /// thousand acknowledgements should not connect, greet and log in a thousand times.
    /// </summary>
    /// <exception cref="MailFetchException">The relay cannot be reached or refused the login.</exception>
    /// <param name="mailbox">The sending mailbox's key: a delegated OAuth login asks its grant for the token.</param>
    public async Task<SmtpSession> Open(OutgoingSettings outgoing, string? mailbox, CancellationToken cancellationToken)
    {
        try
        {
            return await Open(outgoing, mailbox, firstTry: true, cancellationToken);
        }
        catch (StaleTokenException)
        {
            return await Open(outgoing, mailbox, firstTry: false, cancellationToken);
        }
    }

    private async Task<SmtpSession> Open(OutgoingSettings outgoing, string? mailbox, bool firstTry, CancellationToken cancellationToken)
    {
        var relay = outgoing.Relay ?? throw new InvalidOperationException("the mailbox has no SMTP relay.");
        var check = new CertificateCheck(relay.Trust);
        var client = new SmtpClient
        {
            Timeout = (int)MailFetcher.OperationTimeout.TotalMilliseconds,
            ServerCertificateValidationCallback = check.Validate,
            CheckCertificateRevocation = false,
        };
        var server = $"SMTP relay {relay.Host}:{relay.EffectivePort}";
        var options = TransportSecurity.SocketOptions(relay.Tls, relay.EffectivePort);
        try
        {
            await client.ConnectAsync(await Connect(relay, cancellationToken), relay.Host, relay.EffectivePort, options, cancellationToken);
            if (relay.User is { Length: > 0 })
            {
                await login.LogIn(client, LoginRequest.For(relay, mailbox), server, firstTry, cancellationToken);
            }

            return new SmtpSession(client, server, check);
        }
        catch (StaleTokenException)
        {
            client.Dispose();
            throw;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            client.Dispose();
            throw TransportSecurity.StartTlsMissing(e, options, server, "--smtp-tls") ?? Translate(e, server, check.Problem);
        }
    }

    /// <summary>
    /// The socket with Nagle's algorithm off. A session sends message after message, each ending in a short write
    /// followed by a wait for the reply; with Nagle on, that write waits for the relay's delayed ACK, about 40 ms a
    /// message, which capped an outbox at some 25 mails a second.
    /// </summary>
    private static async Task<Socket> Connect(SmtpRelaySettings relay, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(MailFetcher.OperationTimeout);
            await socket.ConnectAsync(relay.Host, relay.EffectivePort, timeout.Token);
            return socket;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw new TimeoutException($"no connection within {MailFetcher.OperationTimeout.TotalSeconds:0} s");
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private async Task Send(OutgoingSettings outgoing, string envelopeFrom, MimeMessage message, IReadOnlyList<MailboxAddress> recipients, CancellationToken cancellationToken)
    {
        await using var session = await Open(outgoing, null, cancellationToken);
        await session.Send(envelopeFrom, message, recipients, cancellationToken);
        await session.Close(cancellationToken);
    }

    /// <summary>
    /// Like the poll's classification, plus what only SMTP says: a reply code (4xx try later, 5xx never), and a
    /// TLS handshake cut short without a certificate complaint of ours, which is the network, not the trust.
    /// </summary>
    internal static MailFetchException Translate(Exception e, string server, string? certificateProblem) => e switch
    {
        SmtpCommandException smtp => new MailFetchException(
            (int)smtp.StatusCode is >= 400 and < 500 ? MailFetchFailure.Transient : MailFetchFailure.Protocol,
            $"{server} refused{Recipient(smtp)}: {(int)smtp.StatusCode} {MailFetcher.FirstLine(smtp.Message)}",
            e,
            (int)smtp.StatusCode),
        SmtpProtocolException => new MailFetchException(MailFetchFailure.Transient, $"{server}: {MailFetcher.FirstLine(e.Message)}", e),
        SslHandshakeException when certificateProblem is null => new MailFetchException(MailFetchFailure.Transient, $"{server}: TLS handshake failed ({MailFetcher.FirstLine(e.Message)})", e),
        _ => MailFetcher.Translate(e, server, certificateProblem),
    };

    private static string Recipient(SmtpCommandException smtp) =>
        smtp.ErrorCode == SmtpErrorCode.RecipientNotAccepted && smtp.Mailbox is { } mailbox ? $" recipient {mailbox.Address}" : "";

    /// <summary>The From a customer sees: the branded address and display name, else the envelope address.</summary>
    public static MailboxAddress From(OutgoingSettings outgoing)
    {
        var address = MailboxAddress.Parse(outgoing.FriendlyFrom is { Length: > 0 } f ? f : outgoing.EnvelopeFrom);
        if (outgoing.DisplayName is { Length: > 0 } name)
        {
            address.Name = name;
        }

        return address;
    }
}
