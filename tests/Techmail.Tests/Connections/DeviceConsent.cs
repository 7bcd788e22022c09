using Techmail.Connections;
using Techmail.Mailboxes;
using Techmail.Tests.Polling;
using Techmail.Tests.Support;

namespace Techmail.Tests.Connections;

/// <summary>A mailbox reading the authentication fixture's Dovecot by a person's consent, and that consent given.</summary>
internal static class DeviceConsent
{
    /// <summary>
    /// Delegated settings with the Microsoft preset's scope, so the consent asks for the ID token as it does at the real
    /// provider (the test server sends one only for openid), and each refresh sends what the preset sends Microsoft.
    /// </summary>
    public static IncomingSettings Incoming(AuthenticationFixture fixture, MailProtocol protocol, string user, string mechanism, string client) =>
        new(protocol, "127.0.0.1", protocol == MailProtocol.Imap ? fixture.Dovecot.ImapPort : fixture.Dovecot.Pop3Port, TlsMode.StartTls, user, null, [],
            Trust: new ServerTrust(null, fixture.Dovecot.CertificateSha256),
            OAuth: new OAuthSettings(fixture.OAuth.TokenUrl, client, null, ProviderPresets.For(MailProvider.Microsoft).Scope(OAuthFlow.Delegated, protocol, smtp: true),
                mechanism, OAuthFlow.Delegated, fixture.OAuth.AuthorizationUrl, fixture.OAuth.DeviceAuthorizationUrl));

    /// <summary>The device flow as <c>mailbox connect</c> runs it, <paramref name="approver"/> approving on "another device".</summary>
    /// <returns>The grant as the connect step shows it.</returns>
    public static async Task<GrantStatus> Connect(OAuthTestServer oauth, IMailboxGrantGrain grant, string approver)
    {
        var shown = await grant.StartDeviceConnect();
        oauth.ApproveDevice(shown.UserCode, approver);
        var interval = shown.Interval;
        for (var attempt = 0; attempt < 10; attempt++)
        {
            await Task.Delay(interval + TimeSpan.FromMilliseconds(100));
            var step = await grant.ContinueDeviceConnect();
            if (step.Progress == DeviceConnectProgress.Connected)
            {
                return step.Grant!;
            }

            interval = step.Interval;
        }

        throw new Xunit.Sdk.XunitException("the device flow never connected");
    }
}
