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

    /// <exception cref="MailFetchException">The relay refused the message (with its reply code) or the connection failed.</exception>
    public async Task SendRaw(string envelopeFrom, IReadOnlyList<string> recipients, byte[] raw, CancellationToken cancellationToken)
    {
        var to = recipients.Select(MailboxAddress.Parse).ToList();
        _wire ??= new WireMessage();
        if (_wire.For(raw) is { } wire)
        {
            await Send(envelopeFrom, wire, to, cancellationToken);
            return;
        }

        // Parsed by the synchronous parser, which reads bytes in memory without the async one's per-block overhead, into
        // persistent parts that point into them instead of copying. Disposed at once: MimeKit's messages have finalizers.
        using var message = MimeMessage.Load(new MemoryStream(raw, writable: false), persistent: true, cancellationToken);
        await Send(envelopeFrom, message, to, cancellationToken);
    }

    public async Task Send(string envelopeFrom, MimeMessage message, IReadOnlyList<MailboxAddress> recipients, CancellationToken cancellationToken)
    {
        try
        {
            await _client.SendAsync(message, MailboxAddress.Parse(envelopeFrom), recipients, cancellationToken);
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
}
