using MailKit.Net.Smtp;
using MimeKit;
using Techmail.Mailboxes;
using Techmail.Polling;
using Techmail.Security;

namespace Techmail.Outgoing;

/// <summary>Sends mail through a mailbox's SMTP relay with MailKit.</summary>
public sealed class MailSender
{
    /// <summary>Stamped on everything Techmail sends, so its own mail is recognised when it comes back.</summary>
    public const string GeneratedHeader = "X-Techmail-Generated";

    /// <param name="outgoing">Settings with the relay password revealed.</param>
    public async Task Send(OutgoingSettings outgoing, MimeMessage message, IReadOnlyList<MailboxAddress> recipients, CancellationToken cancellationToken)
    {
        var relay = outgoing.Relay ?? throw new InvalidOperationException("the mailbox has no SMTP relay.");
        var check = new CertificateCheck(relay.Trust);
        using var client = new SmtpClient
        {
            Timeout = (int)MailFetcher.OperationTimeout.TotalMilliseconds,
            ServerCertificateValidationCallback = check.Validate,
            CheckCertificateRevocation = false,
        };
        var server = $"{relay.Host}:{relay.EffectivePort}";
        try
        {
            await client.ConnectAsync(relay.Host, relay.EffectivePort, MailFetcher.SocketOptions(relay.Tls), cancellationToken);
            if (relay.User is { Length: > 0 } user)
            {
                await client.AuthenticateAsync(user, relay.Password ?? "", cancellationToken);
            }

            await client.SendAsync(message, MailboxAddress.Parse(outgoing.EnvelopeFrom), recipients, cancellationToken);
            await client.DisconnectAsync(true, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw e switch
            {
                SmtpCommandException smtp => new MailFetchException(MailFetchFailure.Protocol, $"SMTP relay {server} refused: {smtp.StatusCode} {smtp.Message}", e),
                _ => MailFetcher.Translate(e, $"SMTP relay {server}", check.Problem),
            };
        }
    }

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
