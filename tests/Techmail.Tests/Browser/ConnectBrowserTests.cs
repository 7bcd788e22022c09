using System.Net;
using System.Text.Json;
using Microsoft.Playwright;
using Techmail.Tests.Support;
using Techmail.Tests.Webhooks;
using Techmail.Webhooks;

namespace Techmail.Tests.Browser;

/// <summary>
/// The console's Connect button, in chromium: an admin connects a delegated mailbox at the test authorization server's
/// consent page and comes back to the mailbox page; the real Dovecot checks each XOAUTH2 login by introspecting the
/// token. A revocation at the provider shows on the page and raises the tenant's webhook once; Reconnect brings the
/// mail back. The silo is a process of its own with a public URL, an OpenID Connect provider and webhooks to loopback.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class ConnectBrowserTests(BrowserFixture browser, ConnectSiloFixture silo) : IClassFixture<ConnectSiloFixture>
{
    [Fact]
    public async Task An_admin_connects_at_the_providers_page_a_revocation_shows_and_raises_one_webhook_and_reconnect_brings_every_mail_once()
    {
        var cli = silo.Cli;
        await silo.AddDelegatedMailbox("desk", "desk-user");
        var receiver = silo.Webhooks;
        await cli.Ok("webhook", "add", receiver.Url, "--event", "mailbox.failing");
        silo.Dovecot.Deliver("desk-user", TestMail.Simple("Waiting before the consent", from: "ann@customer.example"));
        var consentPages = silo.OAuth.ConsentPagesShown;

        var page = await silo.SignedIn(browser, await silo.Token("admin", "desk-admin"));
        await page.GotoAsync(silo.Console + "/admin/mailboxes/desk");
        await Assertions.Expect(page.Locator("#grant-state")).ToContainTextAsync("Not connected yet");

        // Connect: the provider's consent page, Allow, and back on the mailbox page, connected.
        await page.GetByRole(AriaRole.Link, new() { Name = "Connect", Exact = true }).ClickAsync();
        await page.WaitForURLAsync(url => url.StartsWith(silo.OAuth.AuthorizationUrl, StringComparison.Ordinal));
        await page.GetByRole(AriaRole.Button, new() { Name = "Allow" }).ClickAsync();
        await page.WaitForURLAsync(url => url.StartsWith(silo.Console + "/admin/mailboxes/desk?saved=connected", StringComparison.Ordinal));
        await Assertions.Expect(page.Locator("#done")).ToContainTextAsync("The mailbox is connected");
        await Assertions.Expect(page.Locator("#grant-state")).ToHaveTextAsync("Connected as desk-user.");

        // The page's own poll button: the panel still shows the grant after it.
        await page.GetByRole(AriaRole.Button, new() { Name = "Poll now" }).ClickAsync();
        await Assertions.Expect(page.Locator("#done")).ToContainTextAsync("A poll was started");
        await Assertions.Expect(page.Locator("#grant-state")).ToHaveTextAsync("Connected as desk-user.");

        // The mail that waited comes in through an XOAUTH2 login (the connect already started a poll; this one waits for it).
        Assert.Equal(1, await Accepted(cli, "desk"));
        Assert.Contains("Login: user=<desk-user>, method=XOAUTH2", ReadShared(silo.Dovecot.LogFile));

        // Revoked at the provider: the next poll's login is refused, the refresh is refused, the mailbox needs reconnecting.
        silo.Dovecot.Deliver("desk-user", TestMail.Simple("Sent while the consent was withdrawn", from: "bob@customer.example"));
        silo.OAuth.RevokeConsent("desk-user");
        await cli.Run("mailbox", "poll", "desk", "--wait");
        await cli.Run("mailbox", "poll", "desk", "--wait");
        // The address the connect returned to, opened again, no longer says connected.
        await page.GotoAsync(silo.Console + "/admin/mailboxes/desk?saved=connected");
        await Assertions.Expect(page.Locator("#done")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("#health")).ToHaveTextAsync("Needs reconnecting");
        await Assertions.Expect(page.Locator("#grant-state")).ToContainTextAsync("Needs reconnecting since");
        await Assertions.Expect(page.Locator("#grant-state")).ToContainTextAsync("invalid_grant");
        await BrowserFixture.Screenshot(page, "admin-mailbox-needs-reconnecting");

        // The tenant's webhook heard of it once, with the reason, though two polls ran into it.
        var failing = (await receiver.WaitFor(r => r.Any(w => w.EventType == WebhookEventTypes.MailboxFailing), TimeSpan.FromSeconds(30)))
            .Single(w => w.EventType == WebhookEventTypes.MailboxFailing).Json.GetProperty("data");
        Assert.Equal("desk", failing.GetProperty("mailbox").GetString());
        Assert.Equal("needs-reconnecting", failing.GetProperty("reason").GetString());
        Assert.Contains("invalid_grant", failing.GetProperty("lastError").GetString());
        await cli.Run("mailbox", "poll", "desk", "--wait");
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Single(receiver.Received, w => w.EventType == WebhookEventTypes.MailboxFailing);

        // Reconnect: consent again, and the mail that waited on the server comes in; nothing is lost or taken twice.
        await page.GetByRole(AriaRole.Link, new() { Name = "Reconnect" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Allow" }).ClickAsync();
        await page.WaitForURLAsync(url => url.Contains("saved=connected", StringComparison.Ordinal));
        await Assertions.Expect(page.Locator("#grant-state")).ToHaveTextAsync("Connected as desk-user.");
        await Assertions.Expect(page.Locator("#health")).Not.ToHaveTextAsync("Needs reconnecting");
        Assert.Equal(2, await Accepted(cli, "desk"));
        Assert.Equal(0, silo.Dovecot.CountMessages("desk-user"));
        var subjects = JsonDocument.Parse(await cli.Ok("incident", "list", "--json")).RootElement.GetProperty("incidents")
            .EnumerateArray().Select(i => i.GetProperty("subject").GetString()).Order().ToList();
        Assert.Equal(["Sent while the consent was withdrawn", "Waiting before the consent"], subjects);
        Assert.Equal(consentPages + 2, silo.OAuth.ConsentPagesShown);
    }

    [Fact]
    public async Task An_admin_signed_in_through_OpenID_Connect_connects_a_mailbox_in_their_own_name()
    {
        await silo.AddDelegatedMailbox("sales", "sales-user");
        silo.Oidc.NextPerson = new() { ["preferred_username"] = "carol@acme.example", ["groups"] = new[] { "acme-admins" } };
        var page = await browser.NewPage();
        await page.GotoAsync(silo.Console + "/");
        await page.GetByRole(AriaRole.Link, new() { Name = "Sign in with Acme sign-in" }).ClickAsync();
        await page.WaitForURLAsync(silo.Console + "/admin/mailboxes");

        await page.GotoAsync(silo.Console + "/admin/mailboxes/sales");
        await page.GetByRole(AriaRole.Link, new() { Name = "Connect", Exact = true }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Allow" }).ClickAsync();
        await page.WaitForURLAsync(url => url.Contains("saved=connected", StringComparison.Ordinal));
        await Assertions.Expect(page.Locator("#grant-state")).ToHaveTextAsync("Connected as sales-user.");

        var audit = JsonDocument.Parse(await silo.Cli.Ok("audit", "list", "--json")).RootElement.EnumerateArray()
            .Select(e => (e.GetProperty("actor").GetString(), e.GetProperty("action").GetString(), e.GetProperty("subject").GetString())).ToList();
        Assert.Contains(("oidc:carol@acme.example", "mailbox.connect", "sales"), audit);
    }

    [Fact]
    public async Task Without_a_public_URL_the_page_and_the_start_say_which_setting_is_missing()
    {
        // The shared browser silo has no Techmail:PublicUrl.
        const string tenant = "connect-nourl";
        await browser.Cli(tenant).Ok(
            "mailbox", "add", "desk", "--type", "service", "--protocol", "imap", "--host", "127.0.0.1", "--port", "993",
            "--account", "desk-user", "--oauth-flow", "delegated", "--oauth-token-url", "https://login.example.com/token",
            "--oauth-client-id", "app", "--oauth-authorization-url", "https://login.example.com/authorize", "--oauth-scope", "mail");
        var page = await browser.SignedIn(await browser.Token(tenant, "admin", "nourl-admin"));
        await page.GotoAsync(browser.BaseUrl + "/admin/mailboxes/desk");
        await Assertions.Expect(page.Locator("#connect-unavailable")).ToContainTextAsync("Techmail:PublicUrl");
        Assert.Equal(0, await page.GetByRole(AriaRole.Link, new() { Name = "Connect", Exact = true }).CountAsync());

        var started = await page.GotoAsync($"{browser.BaseUrl}/connections/{tenant}/desk/start");
        Assert.Equal((int)HttpStatusCode.ServiceUnavailable, started!.Status);
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("set Techmail:PublicUrl");
        Assert.DoesNotContain(await page.Context.CookiesAsync(), c => c.Name == "techmail_connect");
    }

    /// <summary>A file another process is still writing.</summary>
    private static string ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        return new StreamReader(stream).ReadToEnd();
    }

    /// <summary>Mail the mailbox accepted since it was added, after a poll that waits for its end.</summary>
    private static async Task<long> Accepted(Cli cli, string mailbox)
    {
        var status = JsonDocument.Parse(await cli.Ok("mailbox", "poll", mailbox, "--wait", "--json")).RootElement.GetProperty("status");
        Assert.Equal(JsonValueKind.Null, status.GetProperty("lastError").ValueKind);
        await cli.Ok("mailbox", "poll", mailbox, "--until-built");
        return status.GetProperty("counts").GetProperty("accepted").GetInt64();
    }
}

/// <summary>
/// A silo process for connecting mailboxes: its public URL is its own HTTP address (the provider sends the browser
/// back there), it signs people in through a test OpenID Connect provider, and it may deliver webhooks to loopback.
/// Around it the test authorization server (with a consent page) and a Dovecot that checks XOAUTH2 logins against it.
/// </summary>
public sealed class ConnectSiloFixture : IAsyncLifetime
{
    public const string Tenant = "connect-acme";

    private readonly TempDirectory _data = new("techmail-connect");

    public OAuthTestServer OAuth { get; } = OAuthTestServer.Start();

    public OidcTestProvider Oidc { get; } = OidcTestProvider.Start();

    public DovecotServer Dovecot { get; private set; } = null!;

    public WebhookReceiver Webhooks { get; private set; } = null!;

    public SiloProcess Silo { get; private set; } = null!;

    public string Console => Silo.Http.ToString().TrimEnd('/');

    public Cli Cli => new(Silo.Gateway, Tenant);

    public async Task InitializeAsync()
    {
        OAuth.AsksForConsent = true;
        OAuth.AddDelegatedClient("console-app", "console-secret");
        var http = FreePort.Next();
        var silo = SiloProcess.Start(_data.Path, httpPort: http, extraArgs:
        [
            $"--Techmail:PublicUrl=http://127.0.0.1:{http}",
            "--Techmail:WebhookAllowPrivateAddresses=true",
            $"--Techmail:OpenIdConnect:Authority={Oidc.Issuer}",
            $"--Techmail:OpenIdConnect:ClientId={Oidc.ClientId}",
            $"--Techmail:OpenIdConnect:ClientSecret={Oidc.ClientSecret}",
            $"--Techmail:OpenIdConnect:Roles=acme-admins=admin@{Tenant}",
            "--Techmail:OpenIdConnect:DisplayName=Acme sign-in",
        ]);
        Dovecot = await DovecotServer.Start(auth: new DovecotAuth("xoauth2 oauthbearer", OAuth.IntrospectionUrl));
        Webhooks = await WebhookReceiver.Start();
        Silo = await silo;
        await File.WriteAllTextAsync(_data.File("client-secret"), "console-secret\n");
    }

    /// <summary>An IMAP mailbox of the tenant reading a Dovecot account with a person's consent, enabled, never connected.</summary>
    public async Task AddDelegatedMailbox(string mailbox, string account)
    {
        Dovecot.AddUser(account, "unused-password");
        await Cli.Ok(
            "mailbox", "add", mailbox, "--type", "service", "--protocol", "imap", "--host", "127.0.0.1", "--port", Dovecot.ImapPort.ToString(),
            "--tls", "starttls", "--pin-sha256", Dovecot.CertificateSha256, "--account", account,
            "--oauth-flow", "delegated", "--oauth-token-url", OAuth.TokenUrl, "--oauth-client-id", "console-app",
            "--oauth-client-secret-file", _data.File("client-secret"), "--oauth-authorization-url", OAuth.AuthorizationUrl,
            "--oauth-scope", "mail offline_access openid email", "--poll-interval", "1h", "--enable");
        // The test server's consent is always this account's: each mailbox here is connected by its own account.
        OAuth.ConsentingUser = account;
    }

    /// <summary>A token of the tenant, made with the real client.</summary>
    public async Task<string> Token(string role, string name) =>
        JsonDocument.Parse(await Cli.Ok("token", "create", "--role", role, "--name", name, "--json")).RootElement.GetProperty("token").GetString()!;

    /// <summary>Signs in at this silo's console with a token, through its form, in a fresh browser context.</summary>
    public async Task<IPage> SignedIn(BrowserFixture browser, string token)
    {
        var page = await browser.NewPage();
        await page.GotoAsync(Console + "/");
        await page.GetByLabel("Token").FillAsync(token);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForURLAsync(url => !url.Contains("/signin", StringComparison.Ordinal));
        return page;
    }

    public async Task DisposeAsync()
    {
        if (Silo is not null)
        {
            await Silo.DisposeAsync();
        }

        if (Dovecot is not null)
        {
            await Dovecot.DisposeAsync();
        }

        if (Webhooks is not null)
        {
            await Webhooks.DisposeAsync();
        }

        await OAuth.DisposeAsync();
        await Oidc.DisposeAsync();
        _data.Dispose();
    }
}
