using System.Net;
using Microsoft.Playwright;
using Techmail.Tests.Support;

namespace Techmail.Tests.Browser;

/// <summary>
/// Signing in to the console through an OpenID Connect provider (a small real one on a loopback port, with discovery,
/// its keys and the authorization code flow), in chromium, against a silo process configured for it.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class AdminOpenIdConnectBrowserTests(BrowserFixture fixture)
{
    [Fact]
    public async Task A_person_in_a_mapped_group_signs_in_as_that_role_and_the_audit_log_names_them_and_anyone_else_is_refused()
    {
        const string tenant = "oidc-acme";
        await using var provider = OidcTestProvider.Start();
        using var data = new TempDirectory("techmail-oidc");
        await using var silo = await SiloProcess.Start(data.Path, extraArgs:
        [
            $"--Techmail:OpenIdConnect:Authority={provider.Issuer}",
            $"--Techmail:OpenIdConnect:ClientId={provider.ClientId}",
            $"--Techmail:OpenIdConnect:ClientSecret={provider.ClientSecret}",
            $"--Techmail:OpenIdConnect:Roles=acme-admins=admin@{tenant}; acme-support=agent@{tenant}",
            "--Techmail:OpenIdConnect:DisplayName=Acme sign-in",
        ]);
        var console = silo.Http.ToString().TrimEnd('/');

        provider.NextPerson = new() { ["preferred_username"] = "alice@acme.example", ["groups"] = new[] { "staff", "acme-admins" } };
        var page = await fixture.NewPage();
        await page.GotoAsync(console + "/");
        await page.GetByRole(AriaRole.Link, new() { Name = "Sign in with Acme sign-in" }).ClickAsync();
        await page.WaitForURLAsync(console + "/admin/mailboxes");
        await Assertions.Expect(page.Locator("header .caller")).ToContainTextAsync("oidc:alice@acme.example");
        var cookie = Assert.Single(await page.Context.CookiesAsync(), c => c.Name == "techmail_session");
        Assert.True(cookie.HttpOnly);

        // What she changes is hers in the audit log, checked by the engine as an admin of her tenant.
        await page.GetByRole(AriaRole.Link, new() { Name = "Add a mailbox" }).ClickAsync();
        await page.Locator("#f-name").FillAsync("sales");
        await page.Locator("#f-incoming-host").FillAsync("mail.acme.example");
        await page.Locator("#f-incoming-account").FillAsync("sales");
        await page.Locator("#f-incoming-password").FillAsync("sales-secret");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add the mailbox" }).ClickAsync();
        await page.WaitForURLAsync(url => url.Contains("/admin/mailboxes/sales", StringComparison.Ordinal));
        var audit = Entries(await new Cli(silo.Gateway, tenant: null).Ok("audit", "list", "--json"));
        Assert.Contains(("oidc:alice@acme.example", "signin"), audit);
        Assert.Contains(("oidc:alice@acme.example", "mailbox.create"), audit);
        // Not an operator: another tenant's pages are refused by the engine, not shown.
        await page.GotoAsync(console + "/admin/health");
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("may not read the cluster's status");

        provider.NextPerson = new() { ["preferred_username"] = "bob", ["groups"] = new[] { "staff" } };
        var other = await fixture.NewPage();
        await other.GotoAsync(console + "/signin");
        var refused = await other.RunAndWaitForResponseAsync(
            () => other.GetByRole(AriaRole.Link, new() { Name = "Sign in with Acme sign-in" }).ClickAsync(),
            r => r.Url.Contains("/signin-oidc", StringComparison.Ordinal));
        Assert.Equal((int)HttpStatusCode.Forbidden, refused.Status);
        await Assertions.Expect(other.GetByRole(AriaRole.Alert)).ToContainTextAsync("bob has groups staff, which no Techmail role is mapped to");
        Assert.DoesNotContain(await other.Context.CookiesAsync(), c => c.Name == "techmail_session");
        Assert.Equal(2, provider.Redeemed);
        Assert.Contains(("oidc:bob", "access.refused"), Entries(await new Cli(silo.Gateway, tenant: null).Ok("audit", "list", "--json")));
    }

    private static List<(string Actor, string Action)> Entries(string json) =>
        System.Text.Json.JsonDocument.Parse(json).RootElement.EnumerateArray()
            .Select(e => (e.GetProperty("actor").GetString()!, e.GetProperty("action").GetString()!)).ToList();
}
