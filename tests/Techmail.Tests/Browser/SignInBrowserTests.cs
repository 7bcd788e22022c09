using System.Net;
using Microsoft.Playwright;

namespace Techmail.Tests.Browser;

/// <summary>Signing in to the web console in a real chromium, against a silo process.</summary>
[Collection(BrowserCollection.Name)]
public sealed class SignInBrowserTests(BrowserFixture fixture)
{
    [Fact]
    public async Task An_agent_signs_in_with_a_token_lands_on_the_queue_and_signs_out()
    {
        var token = await fixture.Token("signin", "agent", "signin-agent");
        var page = await fixture.NewPage();
        await page.GotoAsync(fixture.BaseUrl + "/");
        Assert.EndsWith("/signin", page.Url);
        await BrowserFixture.Screenshot(page, "signin");

        // A wrong token: refused with the reason, still on the form.
        await page.GetByLabel("Token").FillAsync("tm1_0123456789ab_guessed");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("not known");

        await page.GetByLabel("Token").FillAsync(token);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForURLAsync(fixture.BaseUrl + "/incidents");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Incidents" })).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("header .caller")).ToContainTextAsync("signin-agent");
        // The console's pages run only this host's own script and style, and are never framed.
        var queue = await page.ReloadAsync();
        var policy = queue!.Headers["content-security-policy"];
        Assert.Contains("default-src 'none'", policy);
        Assert.Contains("script-src 'self';", policy);
        Assert.Contains("frame-ancestors 'none'", policy);
        Assert.DoesNotContain("unsafe", policy);

        // ? shows the shortcuts, Escape closes them.
        await page.Keyboard.PressAsync("?");
        await Assertions.Expect(page.GetByRole(AriaRole.Dialog, new() { Name = "Keyboard shortcuts" })).ToBeVisibleAsync();
        await page.Keyboard.PressAsync("Escape");
        await Assertions.Expect(page.GetByRole(AriaRole.Dialog)).ToBeHiddenAsync();

        var cookie = Assert.Single(await page.Context.CookiesAsync(), c => c.Name == "techmail_session");
        Assert.True(cookie.HttpOnly);
        Assert.Equal(SameSiteAttribute.Strict, cookie.SameSite);

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await page.WaitForURLAsync(fixture.BaseUrl + "/signin");
        Assert.DoesNotContain(await page.Context.CookiesAsync(), c => c.Name == "techmail_session");
        var again = await page.GotoAsync(fixture.BaseUrl + "/incidents");
        Assert.Equal((int)HttpStatusCode.Unauthorized, again!.Status);
    }

    [Fact]
    public async Task The_console_front_door_sends_each_role_to_its_home()
    {
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = fixture.Silo.Http };
        async Task<string?> Landing(string? token)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/");
            if (token is not null)
            {
                request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
            }

            using var response = await http.SendAsync(request);
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            return response.Headers.Location?.OriginalString;
        }

        Assert.Equal("/signin", await Landing(null));
        Assert.Equal("/signin", await Landing("tm1_0123456789ab_guessed"));
        Assert.Equal("/incidents", await Landing(await fixture.Token("landing", "agent", "landing-agent")));
        Assert.Equal("/incidents", await Landing(await fixture.Token("landing", "auditor", "landing-auditor")));
        Assert.Equal("/admin", await Landing(await fixture.Token("landing", "admin", "landing-admin")));
        Assert.Equal("/admin", await Landing(fixture.OperatorToken));
    }
}
