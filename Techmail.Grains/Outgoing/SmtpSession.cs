using MailKit;
using MailKit.Net.Smtp;
using MimeKit;
using Techmail.Polling;
using Techmail.Security;

namespace Techmail.Outgoing;

/// <summary>
/// One connection to a relay, opened by <see cref="MailSender.Open"/>. After any failure it is no longer
/// <see cref="Usable"/>: a relay that refused one message may have dropped the connection or left the transaction
/// half done, and a fresh session is cheaper than finding out which.
/// </summary>
public sealed class SmtpSession : IAsyncDisposable
{
    private readonly SmtpClient _client;
    private readonly string _server;
    private readonly CertificateCheck _check;
    private WireMessage? _wire;

    internal SmtpSession(SmtpClient client, string server, CertificateCheck check)
    {
        _client = client;
        _server = server;
        _check = check;
    }

    public bool Usable { get; private set; } = true;

    /// <param name="handingOver">
    /// Called once, synchronously, when the last byte of the mail goes to the relay and before the end-of-data line
    /// follows it: from then on the relay may have the mail whatever becomes of this process or connection.
    /// </param>
    /// <exception cref="MailFetchException">The relay refused the message (with its reply code) or the connection failed.</exception>
    public async Task SendRaw(string envelopeFrom, IReadOnlyList<string> recipients, byte[] raw, CancellationToken cancellationToken, Action? handingOver = null)
    {
        var to = recipients.Select(MailboxAddress.Parse).ToList();
        _wire ??= new WireMessage();
        if (_wire.For(raw) is { } wire)
        {
            await Send(envelopeFrom, wire, to, cancellationToken, handingOver);
            return;
        }

        // Parsed by the synchronous parser, which reads bytes in memory without the async one's per-block overhead, into
        // persistent parts that point into them instead of copying. Disposed at once: MimeKit's messages have finalizers.
        using var message = MimeMessage.Load(new MemoryStream(raw, writable: false), persistent: true, cancellationToken);
        await Send(envelopeFrom, message, to, cancellationToken, handingOver);
    }

    /// <param name="handingOver">As for <see cref="SendRaw"/>.</param>
    public async Task Send(string envelopeFrom, MimeMessage message, IReadOnlyList<MailboxAddress> recipients, CancellationToken cancellationToken, Action? handingOver = null)
    {
        try
        {
            await _client.SendAsync(message, MailboxAddress.Parse(envelopeFrom), recipients, cancellationToken, handingOver is null ? null : new HandOver(handingOver));
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Usable = false;
            throw MailSender.Translate(e, _server, _check.Problem);
        }
    }

    /// <summary>Says QUIT; a relay that does not answer it has still accepted every message sent before.</summary>
    public async Task Close(CancellationToken cancellationToken)
    {
        if (Usable && _client.IsConnected)
        {
            try
            {
                await _client.DisconnectAsync(true, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Usable = false;
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        _wire?.Dispose();
        _client.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Finds the hand-over in MailKit's progress reports: it reports each write of the message data with the data's
    /// whole length, and the write of the last bytes comes before the end-of-data line (and before the relay can have
    /// stored the mail, as a test against a real SMTP server shows).
    /// </summary>
    private sealed class HandOver(Action handingOver) : ITransferProgress
    {
        private bool _done;

        public void Report(long bytesTransferred, long totalSize)
        {
            if (!_done && bytesTransferred >= totalSize)
            {
                _done = true;
                handingOver();
            }
        }

        // Not used for SMTP, which always knows the length it sends; without one, the end cannot be told.
        public void Report(long bytesTransferred)
        {
        }
    }
}
