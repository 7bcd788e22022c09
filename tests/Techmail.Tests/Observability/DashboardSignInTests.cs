using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Techmail.Hosting;
using Techmail.Tests.Support;

namespace Techmail.Tests.Observability;

/// <summary>
/// The dashboard of a silo process answers only a verified operator: a bearer token for scripts, or the session cookie
/// a browser gets from the sign-in form; health and metrics stay open. Tokens are made and revoked with the real client.
/// </summary>
public sealed class DashboardSignInTests
{
    [Fact]
    public async Task Only_an_operator_token_opens_the_dashboard_and_each_refused_token_is_audited()
    {
        using var data = new TempDirectory("techmail-dashboard-roles");
        await using var silo = await SiloProcess.Start(data.Path, extraArgs: ["--Techmail:Dashboard=true"]);
        var cli = new Cli(silo.Gateway, "dash");
        var agent = await Token(cli, "agent", "dash-agent");
        var admin = await Token(cli, "admin", "dash-admin");
        using var http = Client(silo);

        // Nothing presented: a browser gets the sign-in form (the token goes in a POST body), a script a 401.
        using var page = await Get(http, "dashboard", html: true);
        Assert.Equal(HttpStatusCode.Unauthorized, page.StatusCode);
        var form = await page.Content.ReadAsStringAsync();
        Assert.Contains("<form method=\"post\" action=\"/signin\"", form);
        Assert.Contains("type=\"password\"", form);
        Assert.Contains("value=\"/dashboard\"", form);
        using var script = await Get(http, "dashboard");
        Assert.Equal(HttpStatusCode.Unauthorized, script.StatusCode);
        Assert.Equal("Bearer", script.Headers.WwwAuthenticate.Single().Scheme);

        Assert.Equal(HttpStatusCode.Unauthorized, (await Get(http, "dashboard", bearer: "tm1_0123456789ab_not-a-real-secret")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await Get(http, "dashboard", bearer: agent)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await Get(http, "dashboard", bearer: admin)).StatusCode);
        using var operatorPage = await Get(http, "dashboard/", html: true, bearer: Operator(silo));
        Assert.Equal(HttpStatusCode.OK, operatorPage.StatusCode);
        Assert.DoesNotContain("/signin", await operatorPage.Content.ReadAsStringAsync());

        // What scrapers and orchestrators read needs no token.
        Assert.Equal(HttpStatusCode.OK, (await Get(http, "healthz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Get(http, "metrics")).StatusCode);

        var refused = await Audit(data, "access.refused");
        Assert.Contains(refused, r => r.Actor == "dash-agent" && r.Tenant == "dash" && r.After.Contains("may not open /dashboard", StringComparison.Ordinal));
        Assert.Contains(refused, r => r.Actor == "dash-admin" && r.Tenant == "dash");
        Assert.Contains(refused, r => r.Actor == "token 0123456789ab" && r.Tenant == "*" && r.After.Contains("not known", StringComparison.Ordinal));
        // Asking to sign in is not an attempt: the two requests that presented nothing left no entry.
        Assert.Equal(3, refused.Count);
        Assert.All(refused, r => Assert.Equal("/dashboard", r.Subject));
    }

    [Fact]
    public async Task A_flood_of_made_up_tokens_is_refused_every_time_and_audited_within_the_sources_allowance()
    {
        using var data = new TempDirectory("techmail-dashboard-flood");
        await using var silo = await SiloProcess.Start(data.Path, extraArgs: ["--Techmail:Dashboard=true"]);
        using var http = Client(silo);

        for (var i = 0; i < 80; i++)
        {
            using var refused = await Get(http, "dashboard", bearer: $"tm1_{i:000000000000}_made-up-secret");
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        // The operator is not locked out by the flood: the allowance limits what is written, not who gets in.
        Assert.Equal(HttpStatusCode.OK, (await Get(http, "dashboard/", html: true, bearer: Operator(silo))).StatusCode);

        // One source, well within a minute: the first refusals are written one by one, the rest only counted, so
        // whoever can reach the port cannot fill the database or bury the log.
        var written = await Audit(data, "access.refused");
        Assert.Equal(Techmail.Silo.Http.RefusalThrottle.WrittenPerWindow, written.Count);
        Assert.Equal("token 000000000000", written[0].Actor);
    }

    [Fact]
    public async Task A_signed_in_browser_keeps_a_session_cookie_that_ends_when_its_token_is_revoked()
    {
        using var data = new TempDirectory("techmail-dashboard-session");
        await using var silo = await SiloProcess.Start(data.Path, extraArgs: ["--Techmail:Dashboard=true"]);
        using var http = Client(silo);

        using var wrong = await SignIn(http, "tm1_0123456789ab_guessed");
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.DoesNotContain(wrong.Headers.TryGetValues("Set-Cookie", out var set) ? set : [], c => c.StartsWith("techmail_session=", StringComparison.Ordinal));

        // The operator's own token, posted by another site's form (no antiforgery token): refused, no session.
        using var forged = await http.PostAsync("signin", new FormUrlEncodedContent([new("token", Operator(silo)), new("return", "/dashboard")]));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.False(forged.Headers.TryGetValues("Set-Cookie", out var forgedCookies) && forgedCookies.Any(c => c.StartsWith("techmail_session=", StringComparison.Ordinal)));
        Assert.Contains("not sent from this site", await forged.Content.ReadAsStringAsync());
        using var empty = await SignIn(http, "");
        Assert.Equal(HttpStatusCode.Unauthorized, empty.StatusCode);

        var token = Operator(silo);
        using var signedIn = await SignIn(http, token);
        Assert.Equal(HttpStatusCode.SeeOther, signedIn.StatusCode);
        Assert.Equal("/dashboard", signedIn.Headers.Location?.OriginalString);
        var setCookie = Assert.Single(signedIn.Headers.GetValues("Set-Cookie"), c => c.StartsWith("techmail_session=", StringComparison.Ordinal));
        var attributes = setCookie.Split(';', StringSplitOptions.TrimEntries);
        Assert.StartsWith("techmail_session=", attributes[0]);
        Assert.DoesNotContain(token, setCookie);
        Assert.Contains("httponly", attributes, StringComparer.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", attributes, StringComparer.OrdinalIgnoreCase);
        Assert.Contains(attributes, a => a.StartsWith("expires=", StringComparison.OrdinalIgnoreCase));
        // Plain HTTP here: a Secure cookie would never come back. Over TLS it is Secure.
        Assert.DoesNotContain("secure", attributes, StringComparer.OrdinalIgnoreCase);
        var cookie = attributes[0];

        using var dashboard = await Get(http, "dashboard/", html: true, cookie: cookie);
        Assert.Equal(HttpStatusCode.OK, dashboard.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Get(http, "dashboard", html: true, cookie: "techmail_session=made-up")).StatusCode);

        // Revoked with the real client (the operator revoking its own token): the session is worth no more than it.
        var cli = new Cli(silo.Gateway, tenant: null);
        var name = JsonDocument.Parse(await cli.Ok("token", "list", "--operators", "--json")).RootElement.EnumerateArray().Single().GetProperty("name").GetString()!;
        await cli.Ok("token", "revoke", name, "--operator");
        using var after = await Get(http, "dashboard", html: true, cookie: cookie);
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
        Assert.Contains("revoked", await after.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, (await Get(http, "dashboard", cookie: cookie)).StatusCode);

        Assert.Equal(name, Assert.Single(await Audit(data, "signin")).Actor);
        var refused = await Audit(data, "access.refused");
        Assert.Contains(refused, r => r.Subject == "/signin" && r.Actor == "token 0123456789ab");
        Assert.Contains(refused, r => r.Subject == "/signin" && r.Actor == "anonymous" && r.After.Contains("no token given", StringComparison.Ordinal));
        // The revoked session is refused and audited once, then forgotten: a page left polling does not fill the log.
        Assert.Single(refused, r => r.Subject == "/dashboard" && r.After.Contains("revoked", StringComparison.Ordinal));
    }

    private static HttpClient Client(SiloProcess silo) =>
        new(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = silo.Http };

    private static string Operator(SiloProcess silo) => File.ReadAllText(silo.OperatorTokenFile).Trim();

    private static async Task<string> Token(Cli cli, string role, string name) =>
        JsonDocument.Parse(await cli.Ok("token", "create", "--role", role, "--name", name, "--json")).RootElement.GetProperty("token").GetString()!;

    private static Task<HttpResponseMessage> Get(HttpClient http, string path, bool html = false, string? bearer = null, string? cookie = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (html)
        {
            request.Headers.Accept.ParseAdd("text/html,application/xhtml+xml");
        }

        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        if (cookie is not null)
        {
            request.Headers.Add("Cookie", cookie);
        }

        return http.SendAsync(request);
    }

    private static Task<HttpResponseMessage> SignIn(HttpClient http, string token) => SignInForm.Post(http, token, "/dashboard");

    private static async Task<List<(string Tenant, string Actor, string Subject, string After)>> Audit(TempDirectory data, string action)
    {
        await using var connection = await new TechmailOptions { DataDirectory = data.Path }.Database().OpenAsync();
        await using var command = Techmail.Storage.TechmailDatabase.Command(
            connection, "SELECT tenant, actor, subject, after_json FROM techmail_audit WHERE action = @a ORDER BY id", ("@a", action));
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<(string, string, string, string)>();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3)));
        }

        return rows;
    }
}
