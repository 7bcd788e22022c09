using System.Security.Cryptography;
using System.Text.Json;
using Techmail.Connections;
using Techmail.Mailboxes;
using Techmail.Tests.Polling;
using Techmail.Tests.Support;

namespace Techmail.Tests.Connections;

/// <summary>
/// Google's service accounts with domain-wide delegation: the mailbox keeps the JSON key file as its sealed secret and
/// logs in with a token got by an RS256 assertion (RFC 7523) whose subject is the mailbox's account, against the real
/// Dovecot and the loopback authorization server, which checks the signature with the account's public key.
/// </summary>
[Collection(AuthenticationCollection.Name)]
public sealed class ServiceAccountTests(AuthenticationFixture fixture)
{
    [Fact]
    public async Task A_service_account_logs_in_as_the_mailboxs_account_and_its_key_stays_sealed()
    {
        var (user, _) = fixture.NewUser();
        using var rsa = RSA.Create(2048);
        var email = $"techmail-{user}@project.iam.gserviceaccount.com";
        fixture.OAuth.AddServiceAccount(email, rsa, user);
        var keyFile = KeyFile(email, rsa);
        fixture.Dovecot.Deliver(user, TestMail.Simple("for the service account"));
        var incoming = new IncomingSettings(MailProtocol.Imap, "127.0.0.1", fixture.Dovecot.ImapPort, TlsMode.StartTls, user, null, [],
            Trust: new ServerTrust(null, fixture.Dovecot.CertificateSha256),
            OAuth: new OAuthSettings(fixture.OAuth.TokenUrl, email, keyFile, "https://mail.google.com/", OAuthSettings.XOAuth2, OAuthFlow.ServiceAccount));
        var grain = await fixture.Mailbox("service-account", incoming);

        var status = await PollingFixture.PollAndWait(grain);

        Assert.Null(status.LastError);
        Assert.Equal(1, status.Counts.Accepted);
        Assert.Equal(OAuthSettings.XOAuth2, fixture.LoginMethod(user));
        Assert.Equal(Secret.Mask, (await grain.Export(false))!.Incoming!.OAuth!.ClientSecret);
        Assert.Equal(keyFile, (await grain.Export(true))!.Incoming!.OAuth!.ClientSecret);
        Assert.Equal(0, await fixture.Scalar("SELECT COUNT(*) FROM techmail_mailbox_grants WHERE mailbox = 'service-account'"));
    }

    [Fact]
    public async Task An_account_outside_the_delegation_is_refused_with_the_providers_reason()
    {
        var (user, _) = fixture.NewUser();
        using var rsa = RSA.Create(2048);
        var email = $"narrow-{user}@project.iam.gserviceaccount.com";
        fixture.OAuth.AddServiceAccount(email, rsa);
        var incoming = new IncomingSettings(MailProtocol.Imap, "127.0.0.1", fixture.Dovecot.ImapPort, TlsMode.StartTls, user, null, [],
            Trust: new ServerTrust(null, fixture.Dovecot.CertificateSha256),
            OAuth: new OAuthSettings(fixture.OAuth.TokenUrl, email, KeyFile(email, rsa), "https://mail.google.com/", OAuthSettings.XOAuth2, OAuthFlow.ServiceAccount));
        var grain = await fixture.Mailbox("service-account-narrow", incoming);

        var status = await PollingFixture.PollAndWait(grain);

        Assert.Contains("unauthorized_client", status.LastError);
        Assert.DoesNotContain("PRIVATE KEY", status.LastError);
        Assert.Null(fixture.LoginMethod(user));
    }

    /// <summary>A key file shaped like the one Google's console downloads.</summary>
    internal static string KeyFile(string email, RSA rsa) => JsonSerializer.Serialize(new Dictionary<string, string>
    {
        ["type"] = "service_account",
        ["client_email"] = email,
        ["private_key_id"] = "key-1",
        ["private_key"] = rsa.ExportPkcs8PrivateKeyPem(),
        ["token_uri"] = "https://oauth2.googleapis.com/token",
    });
}
