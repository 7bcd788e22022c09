using System.Security.Cryptography;
using Techmail.Client.Infrastructure;
using Techmail.Client.Mailboxes;
using Techmail.Connections;
using Techmail.Mailboxes;

namespace Techmail.Tests.Connections;

/// <summary>What <c>--provider</c> fills in, per provider and protocol, and that every option given beside it wins.</summary>
public sealed class ProviderPresetTests
{
    private static readonly MailboxSettings Empty = MailboxSettings.Empty(MailboxType.Service);

    [Fact]
    public void Microsoft_reads_imap_over_tls_with_xoauth2_and_asks_for_imap_smtp_a_refresh_token_and_an_id_token()
    {
        var s = Apply(new MailboxEditSettings
        {
            Name = "m", Provider = "microsoft", ProviderTenant = "contoso.onmicrosoft.com", Account = "support@contoso.com",
            OAuthClientId = "app-id", EnvelopeFrom = "support@contoso.com",
        });

        var i = s.Incoming!;
        Assert.Equal((MailProtocol.Imap, "outlook.office365.com", 993, TlsMode.SslOnConnect), (i.Protocol, i.Host, i.Port, i.Tls));
        var oauth = i.OAuth!;
        Assert.Equal(OAuthFlow.Delegated, oauth.Flow);
        Assert.Equal(OAuthSettings.XOAuth2, oauth.Mechanism);
        Assert.Equal("app-id", oauth.ClientId);
        Assert.Equal("https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token", oauth.TokenUrl);
        Assert.Equal("https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/authorize", oauth.AuthorizationUrl);
        Assert.Equal("https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/devicecode", oauth.DeviceAuthorizationUrl);
        Assert.Equal("https://outlook.office.com/IMAP.AccessAsUser.All https://outlook.office.com/SMTP.Send offline_access openid email", oauth.Scope);

        var relay = s.Outgoing!.Relay!;
        Assert.Equal(("smtp.office365.com", 587, TlsMode.StartTls, "support@contoso.com"), (relay.Host, relay.Port, relay.Tls, relay.User));
        Assert.Equal(oauth, relay.OAuth);
    }

    [Fact]
    public void Microsoft_pop3_asks_for_pop_and_the_default_tenant_is_organizations()
    {
        var s = Apply(new MailboxEditSettings { Name = "m", Provider = "microsoft", Protocol = "pop3", Account = "a@contoso.com", OAuthClientId = "app" });

        Assert.Equal((MailProtocol.Pop3, "outlook.office365.com", 995, TlsMode.SslOnConnect), (s.Incoming!.Protocol, s.Incoming.Host, s.Incoming.Port, s.Incoming.Tls));
        Assert.Equal("https://outlook.office.com/POP.AccessAsUser.All offline_access openid email", s.Incoming.OAuth!.Scope);
        Assert.StartsWith("https://login.microsoftonline.com/organizations/", s.Incoming.OAuth.TokenUrl, StringComparison.Ordinal);
        Assert.Null(s.Outgoing);
    }

    [Fact]
    public void Microsoft_app_only_access_keeps_client_credentials_with_the_default_scope()
    {
        var s = Apply(new MailboxEditSettings
        {
            Name = "m", Provider = "microsoft", ProviderTenant = "tenant-id", OAuthFlow = "client-credentials", Account = "a@contoso.com",
            OAuthClientId = "app", OAuthClientSecretStdin = true,
        }, "the-secret");

        var oauth = s.Incoming!.OAuth!;
        Assert.Equal(OAuthFlow.ClientCredentials, oauth.Flow);
        Assert.Equal("https://outlook.office365.com/.default", oauth.Scope);
        Assert.Equal("the-secret", oauth.ClientSecret);
    }

    [Fact]
    public void Google_reads_gmail_with_the_mail_scope_an_id_token_offline_access_and_no_device_flow()
    {
        var s = Apply(new MailboxEditSettings { Name = "g", Provider = "google", Account = "support@example.com", OAuthClientId = "id.apps.googleusercontent.com", SmtpUser = "support@example.com" });

        var i = s.Incoming!;
        Assert.Equal(("imap.gmail.com", 993, TlsMode.SslOnConnect), (i.Host, i.Port, i.Tls));
        Assert.Equal("https://mail.google.com/ openid email", i.OAuth!.Scope);
        Assert.Equal("https://oauth2.googleapis.com/token", i.OAuth.TokenUrl);
        Assert.Contains("access_type=offline", i.OAuth.AuthorizationUrl);
        Assert.Null(i.OAuth.DeviceAuthorizationUrl);
        Assert.Equal(("smtp.gmail.com", 465, TlsMode.SslOnConnect), (s.Outgoing!.Relay!.Host, s.Outgoing.Relay.Port, s.Outgoing.Relay.Tls));
        Assert.Equal(("pop.gmail.com", 995), (ProviderPresets.For(MailProvider.Google).Pop3!.Host, ProviderPresets.For(MailProvider.Google).Pop3!.Port));
    }

    [Fact]
    public void A_google_service_account_key_file_becomes_the_sealed_secret_and_its_email_the_client_id()
    {
        using var rsa = RSA.Create(2048);
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, ServiceAccountTests.KeyFile("mailer@project.iam.gserviceaccount.com", rsa));
            var s = Apply(new MailboxEditSettings { Name = "g", Provider = "google", Account = "support@example.com", OAuthServiceAccountKeyFile = file });

            var oauth = s.Incoming!.OAuth!;
            Assert.Equal(OAuthFlow.ServiceAccount, oauth.Flow);
            Assert.Equal("mailer@project.iam.gserviceaccount.com", oauth.ClientId);
            Assert.Equal(File.ReadAllText(file), oauth.ClientSecret);
            Assert.Equal("https://mail.google.com/", oauth.Scope);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Generic_presets_only_the_mechanism_and_the_flow_and_leaves_the_servers_to_the_admin()
    {
        var s = Apply(new MailboxEditSettings
        {
            Name = "x", Provider = "generic", Host = "mail.example.org", Tls = "ssl", Account = "a", OAuthClientId = "c",
            OAuthTokenUrl = "https://id.example.org/token", OAuthDeviceUrl = "https://id.example.org/device", OAuthScope = "mail offline_access",
        });

        var i = s.Incoming!;
        Assert.Equal(("mail.example.org", (int?)null, TlsMode.SslOnConnect), (i.Host, i.Port, i.Tls));
        Assert.Equal((OAuthFlow.Delegated, OAuthSettings.OAuthBearer, "https://id.example.org/device", "mail offline_access"),
            (i.OAuth!.Flow, i.OAuth.Mechanism, i.OAuth.DeviceAuthorizationUrl, i.OAuth.Scope));
        Assert.Null(ProviderPresets.For(MailProvider.Generic).Imap);
    }

    [Fact]
    public void Every_preset_value_can_be_overridden()
    {
        var s = Apply(new MailboxEditSettings
        {
            Name = "m", Provider = "microsoft", Account = "a@contoso.com", OAuthClientId = "app", Host = "imap.proxy.example", Port = 1993, Tls = "starttls",
            OAuthScope = "custom", OAuthMechanism = "oauthbearer", OAuthTokenUrl = "https://proxy.example/token", OAuthDeviceUrl = "https://proxy.example/device",
        });

        var i = s.Incoming!;
        Assert.Equal(("imap.proxy.example", 1993, TlsMode.StartTls), (i.Host, i.Port, i.Tls));
        Assert.Equal(("custom", OAuthSettings.OAuthBearer, "https://proxy.example/token", "https://proxy.example/device"),
            (i.OAuth!.Scope, i.OAuth.Mechanism, i.OAuth.TokenUrl, i.OAuth.DeviceAuthorizationUrl));
    }

    [Theory]
    [InlineData("yahoo")]
    [InlineData("")]
    public void An_unknown_provider_is_a_usage_error(string provider) =>
        Assert.Throws<CommandFailure>(() => Apply(new MailboxEditSettings { Name = "m", Provider = provider }));

    [Theory]
    [InlineData("https://outlook.office.com/IMAP.AccessAsUser.All https://outlook.office.com/SMTP.Send offline_access openid email",
        "https://outlook.office.com/IMAP.AccessAsUser.All https://outlook.office.com/SMTP.Send offline_access")]
    [InlineData("https://mail.google.com/ openid email", "https://mail.google.com/")]
    [InlineData("mail offline_access", "mail offline_access")]
    [InlineData("openid email profile", null)]
    [InlineData(null, null)]
    public void A_refresh_asks_for_the_consents_scopes_without_the_id_token_ones(string? consent, string? refresh) =>
        Assert.Equal(refresh, IdentityScopes.ForRefresh(consent));

    [Fact]
    public void A_tenant_without_microsoft_and_an_unknown_flow_are_refused()
    {
        Assert.Contains("--provider-tenant", Assert.Throws<CommandFailure>(() => Apply(new MailboxEditSettings { Name = "m", Provider = "google", ProviderTenant = "t" })).Message);
        Assert.Contains("--oauth-flow", Assert.Throws<CommandFailure>(() => Apply(new MailboxEditSettings { Name = "m", Provider = "google", OAuthFlow = "password" })).Message);
    }

    [Fact]
    public void Pkce_s256_is_the_rfc_7636_example()
    {
        // RFC 7636 appendix B: this verifier has this challenge.
        Assert.Equal("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", Pkce.ChallengeOf("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"));
        var fresh = Pkce.Create();
        Assert.Equal(43, fresh.Verifier.Length);
        Assert.Equal(Pkce.ChallengeOf(fresh.Verifier), fresh.Challenge);
    }

    [Theory]
    [InlineData(3600, 3299, false)]
    [InlineData(3600, 3300, true)]
    [InlineData(60, 53, false)]
    [InlineData(60, 54, true)]
    public void A_token_is_refreshed_when_less_than_a_tenth_of_its_life_or_five_minutes_remain(int lifetime, int elapsed, bool due)
    {
        var issued = DateTimeOffset.UnixEpoch;
        var grant = new MailboxGrant("r", "a", issued.AddSeconds(lifetime), issued, null, null, issued, null, null, null);
        Assert.Equal(due, GrantRefresher.Due(grant, issued.AddSeconds(elapsed)));
    }

    private static MailboxSettings Apply(MailboxEditSettings o, string? secret = null) =>
        MailboxSettingsBuilder.Apply(Empty, o, () => secret ?? throw new InvalidOperationException("no secret expected"));
}
