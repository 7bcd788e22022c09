using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Techmail.Tests.Api;
using Techmail.Tests.EndToEnd;
using Techmail.Tests.Observability;
using Techmail.Tests.Support;

namespace Techmail.Tests.Connections;

/// <summary>
/// The ways an admin connects a mailbox, end to end against a silo process: the console's redirect (authorization code
/// with PKCE) over the silo's HTTP endpoints, and <c>techmail mailbox connect</c> (device flow) with the real client;
/// the loopback authorization server plays the provider and the person, and the real Dovecot introspects the tokens.
/// </summary>
public sealed class ConsentOverHttpTests(PublicUrlSiloFixture fixture) : IClassFixture<PublicUrlSiloFixture>, IAsyncLifetime
{
    private OAuthTestServer _oauth = null!;
    private DovecotServer _dovecot = null!;
    private readonly TempDirectory _files = new("techmail-consent");

    public async Task InitializeAsync()
    {
        _oauth = OAuthTestServer.Start();
        _dovecot = await DovecotServer.Start(auth: new DovecotAuth("xoauth2 oauthbearer", _oauth.IntrospectionUrl));
    }

    public async Task DisposeAsync()
    {
        await _dovecot.DisposeAsync();
        await _oauth.DisposeAsync();
        _files.Dispose();
    }

    [Fact]
    public async Task The_redirect_flow_connects_once_per_state_in_the_browser_that_started_it_and_mail_flows()
    {
        var cli = fixture.Cli("web");
        _dovecot.AddUser("web-user", "unused-password");
        _oauth.AddDelegatedClient("web-app", "web-secret");
        _oauth.ConsentingUser = "web-user";
        await File.WriteAllTextAsync(_files.File("secret"), "web-secret\n");
        await cli.Ok(
            "mailbox", "add", "web", "--type", "service", "--protocol", "imap", "--host", "127.0.0.1", "--port", _dovecot.ImapPort.ToString(),
            "--tls", "starttls", "--pin-sha256", _dovecot.CertificateSha256, "--account", "web-user",
            "--oauth-flow", "delegated", "--oauth-token-url", _oauth.TokenUrl, "--oauth-client-id", "web-app", "--oauth-client-secret-file", _files.File("secret"),
            "--oauth-authorization-url", _oauth.AuthorizationUrl, "--oauth-scope", "mail offline_access openid email", "--poll-interval", "1h", "--enable");
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = fixture.Silo.Http };
        var session = await SignIn(http);

        // Signed out, nothing starts.
        Assert.Equal(HttpStatusCode.Unauthorized, (await Get(http, "connections/web/web/start")).StatusCode);

        // Start: to the provider's consent page with PKCE S256, the console's redirect URI, the mailbox's account as hint.
        var (consent, binding) = await Start(http, session, "web");
        var query = Query(consent);
        Assert.StartsWith(_oauth.AuthorizationUrl + "?", consent.OriginalString, StringComparison.Ordinal);
        Assert.Equal("S256", query["code_challenge_method"]);
        Assert.Equal(43, query["code_challenge"].Length);
        Assert.Equal($"{fixture.Silo.Http}connections/callback", query["redirect_uri"]);
        Assert.Equal("web-user", query["login_hint"]);
        // A generic provider's scope is the admin's: openid in it is what brings the ID token that names who consented.
        Assert.Equal("mail offline_access openid email", query["scope"]);

        // The redirect URI is the configured public address whatever Host the request names: a request that says it is
        // for another host cannot make the provider send the code there.
        using (var forged = new HttpRequestMessage(HttpMethod.Get, "connections/web/web/start"))
        {
            forged.Headers.Add("Cookie", session);
            forged.Headers.Host = "attacker.example";
            using var started = await http.SendAsync(forged);
            Assert.Equal(HttpStatusCode.Redirect, started.StatusCode);
            Assert.Equal($"{fixture.Silo.Http}connections/callback", Query(started.Headers.Location!)["redirect_uri"]);
        }

        // The provider sends the browser back; its session cookie (SameSite=Strict) stays behind, the binding cookie comes.
        var callback = await Provider(consent);
        using (var connected = await Get(http, callback.PathAndQuery, cookie: binding))
        {
            Assert.Equal(HttpStatusCode.OK, connected.StatusCode);
            var body = JsonDocument.Parse(await connected.Content.ReadAsStringAsync()).RootElement;
            Assert.True(body.GetProperty("connected").GetBoolean());
            Assert.Equal("web-user", body.GetProperty("grant").GetProperty("account").GetString());
        }

        // The same state again: refused, it was used.
        Assert.Equal(HttpStatusCode.BadRequest, (await Get(http, callback.PathAndQuery, cookie: binding)).StatusCode);

        // The grant works: a poll logs in with it and takes the mail.
        _dovecot.Deliver("web-user", TestMail.Simple("after the redirect"));
        var polled = JsonDocument.Parse(await cli.Ok("mailbox", "poll", "web", "--wait", "--json")).RootElement.GetProperty("status");
        Assert.Equal(JsonValueKind.Null, polled.GetProperty("lastError").ValueKind);
        Assert.Equal(1, polled.GetProperty("counts").GetProperty("accepted").GetInt32());
        Assert.Equal("web-user", polled.GetProperty("grant").GetProperty("account").GetString());

        // A callback in another browser (no binding cookie) is refused, and its state is spent.
        var (again, _) = await Start(http, session, "web");
        var elsewhere = await Provider(again);
        using (var otherBrowser = await Get(http, elsewhere.PathAndQuery))
        {
            Assert.Equal(HttpStatusCode.BadRequest, otherBrowser.StatusCode);
            Assert.Contains("another browser", await otherBrowser.Content.ReadAsStringAsync());
        }

        // The person refuses at the provider: the provider's error is said, nothing is stored.
        _oauth.ConsentingUser = null;
        var (refusedStart, refusedBinding) = await Start(http, session, "web");
        using (var refused = await Get(http, (await Provider(refusedStart)).PathAndQuery, cookie: refusedBinding))
        {
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Contains("access_denied", await refused.Content.ReadAsStringAsync());
        }

        // An agent may not change a mailbox's settings, so may not connect one either.
        var agent = JsonDocument.Parse(await cli.Ok("token", "create", "--role", "agent", "--name", "web-agent", "--json")).RootElement.GetProperty("token").GetString()!;
        Assert.Equal(HttpStatusCode.Forbidden, (await Get(http, "connections/web/web/start", bearer: agent)).StatusCode);
    }

    [Fact]
    public async Task Mailbox_connect_shows_the_code_waits_for_the_approval_and_status_and_metric_show_a_revocation_until_reconnected()
    {
        var cli = fixture.Cli("device");
        _dovecot.AddUser("device-user", "unused-password");
        _oauth.AddDelegatedClient("device-app", secret: null);
        // The Microsoft preset with its endpoints and server pointed here: its own scope (with openid, so the test server
        // sends an ID token as Microsoft would) is what the device flow asks for.
        await cli.Ok(
            "mailbox", "add", "desk", "--type", "service", "--provider", "microsoft", "--host", "127.0.0.1", "--port", _dovecot.ImapPort.ToString(),
            "--tls", "starttls", "--pin-sha256", _dovecot.CertificateSha256, "--account", "device-user",
            "--oauth-token-url", _oauth.TokenUrl, "--oauth-client-id", "device-app",
            "--oauth-device-url", _oauth.DeviceAuthorizationUrl, "--poll-interval", "1h", "--enable");

        var codes = _oauth.UserCodes.Count;
        var connecting = cli.Run("mailbox", "connect", "desk");
        var code = await NextUserCode(codes);
        _oauth.ApproveDevice(code, "device-user");
        var connected = await connecting;
        Assert.True(connected.ExitCode == 0, connected.ToString());
        Assert.Contains($"enter the code {code}", connected.Stdout);
        Assert.Contains("connected as device-user", connected.Stdout);
        Assert.DoesNotContain("consented, not", connected.Stdout);

        _dovecot.Deliver("device-user", TestMail.Simple("after mailbox connect"));
        await cli.Ok("mailbox", "poll", "desk", "--wait");

        // Revoked at the provider: the next poll finds out, and status says what to do.
        _oauth.RevokeConsent("device-user");
        await cli.Run("mailbox", "poll", "desk", "--wait");
        var status = JsonDocument.Parse(await cli.Ok("mailbox", "status", "desk", "--json")).RootElement.GetProperty("status");
        Assert.True(status.GetProperty("needsReconnecting").GetBoolean());
        Assert.Contains("invalid_grant", status.GetProperty("grant").GetProperty("problem").GetString());
        Assert.Contains("mailbox connect desk", await cli.Ok("mailbox", "status", "desk"));
        // The gauge is sampled from the database every few seconds: wait for the sample that has the revocation. This is
        // the only mailbox of the silo whose consent is ever revoked, so the cluster-wide count is exactly one.
        using var scraper = new HttpClient { BaseAddress = fixture.Silo.Http };
        const string gauge = "techmail_mailbox_needs_reconnecting";
        var revokedMetrics = await MetricsEndpointTests.Eventually(scraper, m => m.Sum(gauge) == 1);
        Assert.Equal(1, revokedMetrics.Sum(gauge));

        // Refused at the other device: exit code 3 and the reason; the mailbox still needs reconnecting.
        codes = _oauth.UserCodes.Count;
        var refusing = cli.Run("mailbox", "connect", "desk");
        _oauth.DenyDevice(await NextUserCode(codes));
        var refused = await refusing;
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("refused", refused.Stderr);
        Assert.Equal(1, (await MetricsEndpointTests.Eventually(scraper, m => m.Sum(gauge) == 1)).Sum(gauge));

        // Connected again: the mailbox no longer counts, and the gauge (still reported) falls back to zero.
        codes = _oauth.UserCodes.Count;
        var reconnecting = cli.Run("mailbox", "connect", "desk");
        _oauth.ApproveDevice(await NextUserCode(codes), "device-user");
        var reconnected = await reconnecting;
        Assert.True(reconnected.ExitCode == 0, reconnected.ToString());
        var cleared = await MetricsEndpointTests.Eventually(scraper, m => m.Has(gauge) && m.Sum(gauge) == 0);
        Assert.True(cleared.Has(gauge), cleared.Text);
        Assert.Equal(0, cleared.Sum(gauge));
    }

    [Fact]
    public async Task The_api_runs_the_device_flow_a_caller_waits_at_the_providers_pace_and_the_grant_shows_in_the_statuses()
    {
        var cli = fixture.Cli("apidevice");
        _dovecot.AddUser("api-device-user", "unused-password");
        _oauth.AddDelegatedClient("api-device-app", secret: null);
        await cli.Ok(
            "mailbox", "add", "desk", "--type", "service", "--protocol", "imap", "--host", "127.0.0.1", "--port", _dovecot.ImapPort.ToString(),
            "--tls", "starttls", "--pin-sha256", _dovecot.CertificateSha256, "--account", "api-device-user",
            "--oauth-flow", "delegated", "--oauth-token-url", _oauth.TokenUrl, "--oauth-client-id", "api-device-app",
            "--oauth-device-url", _oauth.DeviceAuthorizationUrl, "--oauth-scope", "mail offline_access", "--poll-interval", "1h", "--enable");
        await cli.Ok("mailbox", "add", "plain", "--type", "service", "--protocol", "imap", "--host", "127.0.0.1", "--account", "someone", "--password", "pw");
        using var api = ApiClient.Operator(fixture.Silo);
        const string Device = "mailboxes/desk/connect/device?tenant=apidevice";

        // A step before any start is refused with the engine's words, not a 500.
        var early = await ApiClient.Problem(await api.Post($"mailboxes/desk/connect/device/step?tenant=apidevice"), HttpStatusCode.BadRequest);
        Assert.Contains("no device flow is waiting", early.GetProperty("detail").GetString());

        // Started: the page and code for the person, and where to ask next; the device code itself stays in the silo.
        var startedResponse = await api.Post(Device);
        Assert.Equal("/api/v1/mailboxes/desk/connect/device/step?tenant=apidevice", startedResponse.Headers.Location?.OriginalString);
        var started = await ApiClient.Body(startedResponse, HttpStatusCode.Accepted);
        var authorization = started.GetProperty("authorization");
        Assert.Equal($"http://127.0.0.1:{_oauth.Port}/device-login", authorization.GetProperty("verificationUri").GetString());
        var code = authorization.GetProperty("userCode").GetString()!;
        Assert.Equal(_oauth.UserCodes[^1], code);
        Assert.DoesNotContain("deviceCode", started.GetRawText(), StringComparison.OrdinalIgnoreCase);

        // Not approved yet: pending, with the interval to wait.
        // The step URL is followed as given (the API client's base is /api/v1/).
        var stepUrl = started.GetProperty("stepUrl").GetString()!.Replace("/api/v1/", "", StringComparison.Ordinal);
        var pending = await ApiClient.Body(await api.Post(stepUrl), HttpStatusCode.OK);
        Assert.Equal("Pending", pending.GetProperty("progress").GetString());

        _oauth.ApproveDevice(code, "api-device-user");
        JsonElement step;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        do
        {
            Assert.True(DateTime.UtcNow < deadline, "the approval never reached the silo");
            await Task.Delay(TimeSpan.Parse(pending.GetProperty("interval").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
            step = await ApiClient.Body(await api.Post(stepUrl), HttpStatusCode.OK);
        }
        while (step.GetProperty("progress").GetString() is "Pending" or "SlowDown");
        Assert.Equal("Connected", step.GetProperty("progress").GetString());
        Assert.Equal(JsonValueKind.Null, step.GetProperty("grant").GetProperty("needsReconnectingSince").ValueKind);
        Assert.DoesNotContain("refresh", step.GetProperty("grant").GetRawText().Replace("lastRefresh", "", StringComparison.Ordinal), StringComparison.OrdinalIgnoreCase);

        // The grant works: mail comes in through a poll that logs in with it.
        _dovecot.Deliver("api-device-user", TestMail.Simple("after the api's device flow"));
        var polled = JsonDocument.Parse(await cli.Ok("mailbox", "poll", "desk", "--wait", "--json")).RootElement.GetProperty("status");
        Assert.Equal(1, polled.GetProperty("counts").GetProperty("accepted").GetInt32());

        // Every mailbox's status in one list, in name order: the connected one with its grant, the password one without.
        var statuses = await api.Ok("mailbox-statuses?tenant=apidevice");
        var lines = statuses.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(["desk", "plain"], lines.Select(l => l.GetProperty("name").GetString()));
        Assert.Equal(JsonValueKind.Object, lines[0].GetProperty("status").GetProperty("grant").ValueKind);
        Assert.Equal(1, lines[0].GetProperty("status").GetProperty("counts").GetProperty("accepted").GetInt32());
        Assert.Equal(JsonValueKind.Null, lines[1].GetProperty("status").GetProperty("grant").ValueKind);
        var first = await api.Ok("mailbox-statuses?tenant=apidevice&limit=1");
        Assert.Equal("desk", Assert.Single(first.GetProperty("items").EnumerateArray()).GetProperty("name").GetString());
        var rest = await api.Ok($"mailbox-statuses?tenant=apidevice&limit=1&cursor={Uri.EscapeDataString(first.GetProperty("next").GetString()!)}");
        Assert.Equal("plain", Assert.Single(rest.GetProperty("items").EnumerateArray()).GetProperty("name").GetString());

        // A mailbox that logs in with a password has no consent to give; an agent may not connect any mailbox.
        var notDelegated = await ApiClient.Problem(await api.Post("mailboxes/plain/connect/device?tenant=apidevice"), HttpStatusCode.BadRequest);
        Assert.Contains("does not log in with delegated consent", notDelegated.GetProperty("detail").GetString());
        using var agent = new ApiClient(fixture.Silo, await api.CreateToken("apidevice", "agent", "device-agent"));
        var forbidden = await ApiClient.Problem(await agent.Post(Device), HttpStatusCode.Forbidden);
        Assert.Contains("may not change settings", forbidden.GetProperty("detail").GetString());
    }

    private async Task<string> NextUserCode(int before)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (_oauth.UserCodes.Count <= before)
        {
            Assert.True(DateTime.UtcNow < deadline, "the client never started the device flow");
            await Task.Delay(100);
        }

        return _oauth.UserCodes[^1];
    }

    private async Task<string> SignIn(HttpClient http)
    {
        var token = File.ReadAllText(fixture.Silo.OperatorTokenFile).Trim();
        using var signedIn = await SignInForm.Post(http, token, "/");
        Assert.Equal(HttpStatusCode.SeeOther, signedIn.StatusCode);
        return signedIn.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("techmail_session=", StringComparison.Ordinal)).Split(';')[0];
    }

    /// <returns>Where the browser is sent, and the binding cookie it got.</returns>
    private static async Task<(Uri Consent, string Binding)> Start(HttpClient http, string session, string mailbox)
    {
        using var started = await Get(http, $"connections/web/{mailbox}/start", cookie: session);
        Assert.Equal(HttpStatusCode.Redirect, started.StatusCode);
        var cookie = started.Headers.GetValues("Set-Cookie").Single();
        var attributes = cookie.Split(';', StringSplitOptions.TrimEntries);
        Assert.StartsWith("techmail_connect=", attributes[0], StringComparison.Ordinal);
        Assert.Contains("samesite=lax", attributes, StringComparer.OrdinalIgnoreCase);
        Assert.Contains("httponly", attributes, StringComparer.OrdinalIgnoreCase);
        Assert.Contains("path=/connections/callback", attributes, StringComparer.OrdinalIgnoreCase);
        return (started.Headers.Location!, attributes[0]);
    }

    /// <summary>The browser at the provider: it consents (or not) and is redirected back.</summary>
    private static async Task<Uri> Provider(Uri consent)
    {
        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        using var answer = await browser.GetAsync(consent);
        Assert.Equal(HttpStatusCode.Redirect, answer.StatusCode);
        return answer.Headers.Location!;
    }

    private static Dictionary<string, string> Query(Uri uri) =>
        uri.Query.TrimStart('?').Split('&').Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => Uri.UnescapeDataString(p[1]));

    private static Task<HttpResponseMessage> Get(HttpClient http, string path, string? cookie = null, string? bearer = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path.TrimStart('/'));
        if (cookie is not null)
        {
            request.Headers.Add("Cookie", cookie);
        }

        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        return http.SendAsync(request);
    }
}

/// <summary>A silo that knows its public address (Techmail:PublicUrl), which the redirect flow needs: its own HTTP address.</summary>
public sealed class PublicUrlSiloFixture : SiloProcessFixture
{
    protected override IEnumerable<string> ExtraArgs(int httpPort) => [$"--Techmail:PublicUrl=http://127.0.0.1:{httpPort}"];
}
