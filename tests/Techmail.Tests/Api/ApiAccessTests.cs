using System.Net;
using Techmail.Mailboxes;
using Techmail.Tests.EndToEnd;
using Techmail.Tests.Support;

namespace Techmail.Tests.Api;

/// <summary>
/// Who may do what over HTTP is the silo's access filter's decision, as for the CLI: a silo process answers each
/// refusal as RFC 9457 problem details naming what is missing, with tokens made through the API itself.
/// </summary>
public sealed class ApiAccessTests(SiloProcessFixture fixture) : IClassFixture<SiloProcessFixture>
{
    [Fact]
    public async Task Without_a_token_or_with_an_unknown_one_the_api_answers_401_problem_details_and_asks_for_a_bearer_token()
    {
        using var anonymous = new ApiClient(fixture.Silo, token: null);
        using var none = await anonymous.Get("mailboxes");
        var problem = await ApiClient.Problem(none, HttpStatusCode.Unauthorized);
        Assert.Equal("Bearer", none.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Contains("Bearer", problem.GetProperty("detail").GetString());

        // A write is refused the same way, before its body is read.
        using var write = await anonymous.Post("mailboxes", new { name = "box" });
        await ApiClient.Problem(write, HttpStatusCode.Unauthorized);

        using var forged = new ApiClient(fixture.Silo, "tm1_0123456789ab_not-a-real-secret");
        using var unknown = await forged.Get("incidents");
        var refusal = await ApiClient.Problem(unknown, HttpStatusCode.Unauthorized);
        Assert.Equal("Bearer", unknown.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Contains("not known", refusal.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task An_agents_token_is_refused_an_admins_operation_with_403_and_the_reason_and_does_its_own_work()
    {
        using var root = ApiClient.Operator(fixture.Silo);
        using var agent = new ApiClient(fixture.Silo, await root.CreateToken("apiagents", "agent", "api-agent"));

        using var create = await agent.Post("mailboxes", new { name = "box", settings = MailboxSettings.Empty(MailboxType.Service) });
        var problem = await ApiClient.Problem(create, HttpStatusCode.Forbidden);
        Assert.Contains("agent", problem.GetProperty("detail").GetString());
        Assert.Contains("may not change settings", problem.GetProperty("detail").GetString());
        using var tokens = await agent.Get("tokens");
        Assert.Contains("may not manage tokens", (await ApiClient.Problem(tokens, HttpStatusCode.Forbidden)).GetProperty("detail").GetString());

        // A path the API does not have is a 404 in problem details too.
        using var nowhere = await agent.Get("nowhere");
        Assert.Contains("/api/docs/", (await ApiClient.Problem(nowhere, HttpStatusCode.NotFound)).GetProperty("detail").GetString());

        // Its own work, in its own tenant without naming it: incidents and contacts.
        var incidents = await agent.Ok("incidents");
        Assert.Equal(0, incidents.GetProperty("items").GetArrayLength());
        await agent.Ok("contacts/ann@customer.example");
        // Nothing was created by the refused call.
        Assert.Equal(0, (await root.Ok("mailboxes?tenant=apiagents")).GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task Another_tenants_admin_is_refused_and_an_admin_works_in_its_own_tenant_without_naming_it()
    {
        using var root = ApiClient.Operator(fixture.Silo);
        using var admin = new ApiClient(fixture.Silo, await root.CreateToken("apiowners", "admin", "owner-admin"));
        using var stranger = new ApiClient(fixture.Silo, await root.CreateToken("apistrangers", "admin", "stranger-admin"));

        using var created = await admin.Post("mailboxes", new { name = "support", settings = MailboxSettings.Empty(MailboxType.Service) });
        await ApiClient.Body(created, HttpStatusCode.Created);
        var own = await admin.Ok("mailboxes");
        Assert.Equal("support", own.GetProperty("items")[0].GetProperty("name").GetString());

        using var read = await stranger.Get("mailboxes/support?tenant=apiowners");
        var problem = await ApiClient.Problem(read, HttpStatusCode.Forbidden);
        Assert.Contains("apiowners", problem.GetProperty("detail").GetString());
        using var remove = await stranger.Delete("mailboxes/support?tenant=apiowners");
        await ApiClient.Problem(remove, HttpStatusCode.Forbidden);
        // A name the access filter would read as the admin's own tenant but a grain as another: refused by its field.
        using var shadow = await admin.Post("webhooks?tenant=apiowners/shadow", new { url = "https://hooks.example/x", events = new[] { "incident.created" } });
        var invalid = await ApiClient.Problem(shadow, HttpStatusCode.BadRequest);
        Assert.Contains("tenant", invalid.GetProperty("errors").GetRawText());
        // In its own tenant the stranger sees nothing of the other's.
        Assert.Equal(0, (await stranger.Ok("mailboxes")).GetProperty("items").GetArrayLength());
        Assert.Equal("support", (await root.Ok("mailboxes/support?tenant=apiowners")).GetProperty("name").GetString());

        // The refusals are in the owner tenant's audit log as the access filter writes them for any client.
        var audit = await root.Ok("audit?tenant=apiowners");
        Assert.Contains(audit.GetProperty("items").EnumerateArray(), e => e.GetProperty("action").GetString() == "mailbox.create"
            && e.GetProperty("actor").GetString() == "owner-admin");
    }

    [Fact]
    public async Task A_signed_in_browsers_session_cookie_is_refused_for_reads_and_writes_and_stays_good_for_the_console()
    {
        using var root = ApiClient.Operator(fixture.Silo);
        var token = await root.CreateToken("apicookies", "admin", "cookie-admin");
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = fixture.Silo.Http };
        using var signedIn = await SignInForm.Post(http, token, "/");
        Assert.Equal(HttpStatusCode.SeeOther, signedIn.StatusCode);
        var session = signedIn.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("techmail_session=", StringComparison.Ordinal)).Split(';')[0];

        // What another page could make the signed-in browser send: its cookie, no token. Refused before anything runs,
        // with a body that says what to use instead, and the session is not ended by it.
        using var browser = new ApiClient(fixture.Silo, token: null, cookie: session);
        using var create = await browser.Post("mailboxes", new { name = "forged", settings = MailboxSettings.Empty(MailboxType.Service) });
        var problem = await ApiClient.Problem(create, HttpStatusCode.Unauthorized);
        Assert.Equal("Bearer", create.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Contains("Authorization: Bearer TOKEN", problem.GetProperty("detail").GetString());
        Assert.Contains("session cookie", problem.GetProperty("detail").GetString());
        Assert.False(create.Headers.Contains("Set-Cookie"));
        using var remove = await browser.Delete("mailboxes/forged");
        await ApiClient.Problem(remove, HttpStatusCode.Unauthorized);

        // Reading too, even from a browser's address bar: problem details, not the console's sign-in page.
        using var read = await browser.Send(HttpMethod.Get, "mailboxes", content: null);
        await ApiClient.Problem(read, HttpStatusCode.Unauthorized);
        using var page = new HttpRequestMessage(HttpMethod.Get, "api/v1/mailboxes");
        page.Headers.Accept.ParseAdd("text/html");
        page.Headers.Add("Cookie", session);
        using var asPage = await http.SendAsync(page);
        await ApiClient.Problem(asPage, HttpStatusCode.Unauthorized);

        // The same session still opens the console.
        using var console = new HttpRequestMessage(HttpMethod.Get, "admin/mailboxes");
        console.Headers.Accept.ParseAdd("text/html");
        console.Headers.Add("Cookie", session);
        using var admin = await http.SendAsync(console);
        Assert.Equal(HttpStatusCode.OK, admin.StatusCode);

        // The token the session was made from works, with or without the cookie beside it.
        Assert.Equal(0, (await root.Ok("mailboxes?tenant=apicookies")).GetProperty("items").GetArrayLength());
        using var withToken = new ApiClient(fixture.Silo, token, cookie: session);
        using var created = await withToken.Post("mailboxes", new { name = "genuine", settings = MailboxSettings.Empty(MailboxType.Service) });
        await ApiClient.Body(created, HttpStatusCode.Created);
        Assert.Equal(["genuine"], (await root.Ok("mailboxes?tenant=apicookies")).GetProperty("items").EnumerateArray().Select(m => m.GetProperty("name").GetString()));
    }
}
