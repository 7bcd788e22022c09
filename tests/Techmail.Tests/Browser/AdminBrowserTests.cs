using System.Net;
using System.Text.Json;
using Microsoft.Playwright;
using Techmail.Tests.Support;

namespace Techmail.Tests.Browser;

/// <summary>The administration pages in a real chromium, against a silo process, Dovecot and the SMTP sink.</summary>
[Collection(BrowserCollection.Name)]
public sealed class AdminBrowserTests(BrowserFixture fixture)
{
    private static readonly string[] AdminPages =
        ["/admin", "/admin/mailboxes", "/admin/new-mailbox", "/admin/mailboxes/support", "/admin/quarantine", "/admin/bounces",
         "/admin/rules", "/admin/certificates", "/admin/tokens", "/admin/audit", "/admin/health"];

    [Fact]
    public async Task An_admin_adds_a_mailbox_with_an_invalid_port_sees_the_engines_message_by_the_field_fixes_it_and_enables_it()
    {
        const string tenant = "admin-add";
        fixture.Dovecot.AddUser("admin-add-support", "pop-secret");
        var page = await fixture.SignedIn(await fixture.Token(tenant, "admin", "admin-add-alice"));
        Assert.EndsWith("/admin/mailboxes", page.Url);

        await page.GetByRole(AriaRole.Link, new() { Name = "Add a mailbox" }).ClickAsync();
        await page.Locator("#f-name").FillAsync("support");
        await page.Locator("#f-incoming-protocol").SelectOptionAsync("Pop3");
        await page.Locator("#f-incoming-host").FillAsync("127.0.0.1");
        await page.Locator("#f-incoming-port").FillAsync("70000");
        await page.Locator("#f-incoming-tls").SelectOptionAsync("None");
        await page.Locator("#f-incoming-account").FillAsync("admin-add-support");
        await page.Locator("#f-incoming-password").FillAsync("pop-secret");
        await page.GetByText("Login, trust and more").ClickAsync();
        await page.GetByLabel("Allow the password over a connection without TLS").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Add the mailbox" }).ClickAsync();

        // The engine's own words, next to the port, tied to it for screen readers; the password is not sent back.
        var portError = page.Locator("#f-incoming-port-error");
        await Assertions.Expect(portError).ToHaveTextAsync("70000 is not a port (1-65535).");
        await Assertions.Expect(page.Locator("#f-incoming-port")).ToHaveAttributeAsync("aria-invalid", "true");
        await Assertions.Expect(page.Locator("#f-incoming-port")).ToHaveAttributeAsync("aria-describedby", "f-incoming-port-hint f-incoming-port-error");
        await Assertions.Expect(page.Locator("#f-incoming-port")).ToHaveValueAsync("70000");
        await Assertions.Expect(page.Locator("#f-incoming-password")).ToHaveValueAsync("");
        Assert.DoesNotContain("pop-secret", await page.ContentAsync(), StringComparison.Ordinal);
        Assert.Equal(1, (await fixture.Cli(tenant).Run("mailbox", "show", "support")).ExitCode);
        await BrowserFixture.Screenshot(page, "admin-mailbox-error");

        await page.Locator("#f-incoming-port").FillAsync(fixture.Dovecot.Pop3Port.ToString());
        await page.Locator("#f-incoming-password").FillAsync("pop-secret");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add the mailbox" }).ClickAsync();
        await page.WaitForURLAsync(url => url.Contains("/admin/mailboxes/support?saved=added", StringComparison.Ordinal));
        await Assertions.Expect(page.Locator("#health")).ToHaveTextAsync("Disabled");

        await page.GetByRole(AriaRole.Button, new() { Name = "Enable" }).ClickAsync();
        await Assertions.Expect(page.Locator("#done")).ToContainTextAsync("Enabled");
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Disable" })).ToBeVisibleAsync();
        var shown = JsonDocument.Parse(await fixture.Cli(tenant).Ok("mailbox", "show", "support", "--json")).RootElement;
        Assert.True(shown.GetProperty("settings").GetProperty("enabled").GetBoolean());
        Assert.Equal(fixture.Dovecot.Pop3Port, shown.GetProperty("settings").GetProperty("incoming").GetProperty("port").GetInt32());

        // Saved again without typing the password: the stored one stays, and the real server still lets it in.
        await page.Locator("#f-pollInterval").FillAsync("3");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save the settings" }).ClickAsync();
        await page.WaitForURLAsync(url => url.Contains("saved=saved", StringComparison.Ordinal));

        // Another admin changes the mailbox while this form is open: saving over it is refused, not a silent overwrite.
        await fixture.Cli(tenant).Ok("mailbox", "update", "support", "--poll-interval", "7m");
        await page.Locator("#f-pollInterval").FillAsync("4");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save the settings" }).ClickAsync();
        await Assertions.Expect(page.Locator("#form-errors")).ToContainTextAsync("Someone changed this mailbox's settings since this form was opened");
        var kept = JsonDocument.Parse(await fixture.Cli(tenant).Ok("mailbox", "show", "support", "--json")).RootElement;
        Assert.Equal("00:07:00", kept.GetProperty("settings").GetProperty("pollInterval").GetString());
        await page.GotoAsync(fixture.BaseUrl + "/admin/mailboxes/support");
        await page.GetByRole(AriaRole.Button, new() { Name = "Test the connection" }).ClickAsync();
        await Assertions.Expect(page.Locator("#connection-test")).ToContainTextAsync("logged in as admin-add-support; 0 messages waiting");

        await page.GotoAsync(fixture.BaseUrl + "/admin/mailboxes");
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "support" })).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("td .badge")).Not.ToHaveTextAsync("Disabled");
        await BrowserFixture.Screenshot(page, "admin-mailboxes");
        await page.SetViewportSizeAsync(BrowserFixture.Phone.Width, BrowserFixture.Phone.Height);
        await BrowserFixture.Screenshot(page, "admin-mailboxes-phone");
    }

    [Fact]
    public async Task A_newcomer_with_the_operator_token_runs_a_service_mailbox_end_to_end_in_the_browser()
    {
        // The README's promise: the token the silo wrote, a browser, and nothing else: add the mailbox, enable it, poll,
        // see the mail as an incident and answer it, the answer reaching the SMTP server from the mailbox.
        const string tenant = "newcomer", subject = "My order never arrived";
        fixture.Dovecot.AddUser("newcomer-support", "newcomer-secret");
        var page = await fixture.SignedIn(fixture.OperatorToken);
        await page.GotoAsync(fixture.BaseUrl + "/admin/mailboxes");
        await page.GetByLabel("Tenant").FillAsync(tenant);
        await page.GetByRole(AriaRole.Button, new() { Name = "Show" }).ClickAsync();
        await Assertions.Expect(page.GetByText("No mailbox yet.")).ToBeVisibleAsync();

        await page.GetByRole(AriaRole.Link, new() { Name = "Add a mailbox" }).ClickAsync();
        await page.Locator("#f-name").FillAsync("support");
        await page.Locator("#f-incoming-protocol").SelectOptionAsync("Pop3");
        await page.Locator("#f-incoming-host").FillAsync("127.0.0.1");
        await page.Locator("#f-incoming-port").FillAsync(fixture.Dovecot.Pop3Port.ToString());
        await page.Locator("#f-incoming-tls").SelectOptionAsync("None");
        await page.Locator("#f-incoming-account").FillAsync("newcomer-support");
        await page.Locator("#f-incoming-password").FillAsync("newcomer-secret");
        await page.GetByText("Login, trust and more").ClickAsync();
        await page.GetByLabel("Allow the password over a connection without TLS").CheckAsync();
        await page.GetByLabel("Sends mail (acknowledgements, replies, forwards)").CheckAsync();
        await page.Locator("#f-outgoing-envelopeFrom").FillAsync("help@newcomer.example");
        await page.Locator("#f-outgoing-friendlyFrom").FillAsync("help@newcomer.example");
        await page.Locator("#f-outgoing-displayName").FillAsync("Newcomer Support");
        await page.Locator("#f-outgoing-relay-host").FillAsync("127.0.0.1");
        await page.Locator("#f-outgoing-relay-port").FillAsync(fixture.Smtp.Port.ToString());
        await page.Locator("#f-outgoing-relay-tls").SelectOptionAsync("None");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add the mailbox" }).ClickAsync();
        await Assertions.Expect(page.Locator("#health")).ToHaveTextAsync("Disabled");
        Assert.Contains("/admin/mailboxes/support?", page.Url);
        Assert.Contains($"tenant={tenant}", page.Url);
        await page.GetByRole(AriaRole.Button, new() { Name = "Enable" }).ClickAsync();
        await Assertions.Expect(page.Locator("#done")).ToContainTextAsync("Enabled");

        fixture.Dovecot.Deliver("newcomer-support", TestMail.Simple(subject, from: "buyer@shop.example", body: "I ordered a lamp two weeks ago and nothing came."));
        await page.GetByRole(AriaRole.Button, new() { Name = "Poll now" }).ClickAsync();
        await page.GotoAsync($"{fixture.BaseUrl}/incidents?tenant={tenant}");
        var row = page.GetByRole(AriaRole.Row).Filter(new() { HasText = subject });
        await Assertions.Expect(row).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await row.GetByRole(AriaRole.Link).First.ClickAsync();
        await page.WaitForURLAsync(url => url.Contains("/incidents/", StringComparison.Ordinal));
        var reference = new Uri(page.Url).AbsolutePath.Split('/').Last();
        await Assertions.Expect(page.Locator("article.entry").First).ToContainTextAsync("nothing came");

        // The acknowledgement went out when the incident was opened; the answer follows it from the same mailbox.
        await page.GetByLabel("Your answer").FillAsync("It left our warehouse today; here is the tracking number: 123.");
        await page.GetByRole(AriaRole.Button, new() { Name = "Send reply" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Your reply was sent." })).ToBeVisibleAsync();
        var sent = await fixture.Smtp.WaitFor(m => m.Recipients.Contains("buyer@shop.example") && m.Message.TextBody?.Contains("tracking number: 123") == true, TimeSpan.FromSeconds(30));
        Assert.Equal("help@newcomer.example", sent.EnvelopeFrom);
        Assert.Equal("help@newcomer.example", ((MimeKit.MailboxAddress)sent.Message.From.Single()).Address);
        Assert.Contains(reference, sent.Message.Subject);
        Assert.EndsWith("@newcomer.example", sent.Message.MessageId);
        var shown = JsonDocument.Parse(await fixture.Cli(tenant).Ok("incident", "show", reference, "--json")).RootElement;
        Assert.Equal($"<{sent.Message.MessageId}>", shown.GetProperty("thread").EnumerateArray().Last().GetProperty("messageId").GetString());
    }

    [Fact]
    public async Task An_admin_checks_rules_by_their_problems_saves_them_and_tests_them_on_an_uploaded_message()
    {
        const string tenant = "admin-rules";
        var page = await fixture.SignedIn(await fixture.Token(tenant, "admin", "admin-rules-frank"));
        foreach (var (path, heading) in new[] { ("/admin/bounces", "Bounces and invalid addresses"), ("/admin/certificates", "Certificates"), ("/admin/audit", "Audit log"), ("/admin/quarantine", "Quarantine") })
        {
            var opened = await page.GotoAsync(fixture.BaseUrl + path);
            Assert.Equal(200, opened!.Status);
            await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = heading, Level = 1 })).ToBeVisibleAsync();
        }

        await page.GotoAsync(fixture.BaseUrl + "/admin/rules");
        var json = page.GetByLabel("Rules (JSON)");
        await json.FillAsync("{\"rules\": [{\"name\": \"billing\", \"conditions\": [{\"field\": \"subject\", \"op\": \"matches\", \"value\": \"invoice\"}], \"actions\": {\"queue\": \"billing\"}}]}");
        await page.GetByRole(AriaRole.Button, new() { Name = "Check and save the rules" }).ClickAsync();
        await Assertions.Expect(page.Locator("#rules-errors")).ToContainTextAsync("rules[0].conditions[0].op");
        // What was typed stays, to be fixed where the problem says.
        await Assertions.Expect(json).ToHaveValueAsync(new System.Text.RegularExpressions.Regex("matches"));

        await json.FillAsync("{\"rules\": [{\"name\": \"billing\", \"conditions\": [{\"field\": \"subject\", \"op\": \"contains\", \"value\": \"invoice\"}], \"actions\": {\"queue\": \"billing\"}}]}");
        await page.GetByRole(AriaRole.Button, new() { Name = "Check and save the rules" }).ClickAsync();
        await Assertions.Expect(page.Locator("#done")).ToContainTextAsync("Saved 1 rule");
        Assert.Contains("billing", await fixture.Cli(tenant).Ok("rules", "list"), StringComparison.Ordinal);

        await page.GetByLabel("Message file (.eml)").SetInputFilesAsync(new FilePayload { Name = "invoice.eml", MimeType = "message/rfc822", Buffer = TestMail.Simple("Your invoice 42") });
        await page.GetByLabel("As received by mailbox").FillAsync("support");
        await page.GetByRole(AriaRole.Button, new() { Name = "Test", Exact = true }).ClickAsync();
        await Assertions.Expect(page.Locator("#rules-test")).ToContainTextAsync("Fired");
        await Assertions.Expect(page.Locator("#rules-test dl")).ToContainTextAsync("billing");
    }

    [Fact]
    public async Task An_agent_cannot_open_any_admin_page()
    {
        var page = await fixture.SignedIn(await fixture.Token("admin-agent", "agent", "admin-agent-bob"));

        foreach (var path in AdminPages)
        {
            var response = await page.GotoAsync(fixture.BaseUrl + path);
            Assert.True((int)HttpStatusCode.Forbidden == response!.Status, $"{path} answered {response.Status}");
        }

        // Nor is the way there offered.
        await page.GotoAsync(fixture.BaseUrl + "/incidents");
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Administration" })).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task An_admin_reads_a_quarantined_mail_as_text_fixes_the_mailbox_and_reprocesses_it_into_an_incident()
    {
        const string tenant = "admin-quarantine";
        await fixture.AddServiceMailbox(tenant, "help", "admin-quarantine-help", "help@example.com");
        var cli = fixture.Cli(tenant);
        await cli.Ok("mailbox", "update", "help", "--block-type", ".exe");
        fixture.Dovecot.Deliver("admin-quarantine-help", TestMail.WithAttachment("Setup tool <script>alert(1)</script>", "setup.exe", "application/octet-stream", 2000));
        await cli.Ok("mailbox", "poll", "help", "--wait");
        var id = JsonDocument.Parse(await cli.Ok("quarantine", "list", "--json")).RootElement.EnumerateArray().Single().GetProperty("id").GetString()!;
        await cli.Ok("mailbox", "update", "help", "--clear-types");

        var page = await fixture.SignedIn(await fixture.Token(tenant, "admin", "admin-quarantine-carol"));
        await page.GotoAsync(fixture.BaseUrl + "/admin/quarantine");
        await page.GetByRole(AriaRole.Link, new() { Name = id }).ClickAsync();
        // The raw mail is text in the page: its markup shows as written and runs nothing.
        var raw = page.GetByLabel("Raw message");
        await Assertions.Expect(raw).ToContainTextAsync("Subject: Setup tool <script>alert(1)</script>");
        await Assertions.Expect(raw).ToContainTextAsync("setup.exe");
        await Assertions.Expect(page.Locator("#state")).ToHaveTextAsync("Held");

        await page.GetByRole(AriaRole.Button, new() { Name = "Reprocess" }).ClickAsync();
        await Assertions.Expect(page.Locator("#done")).ToContainTextAsync("Reprocessed");
        await Assertions.Expect(page.Locator("#state")).ToHaveTextAsync("Reprocessed");
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Reprocess" })).ToHaveCountAsync(0);

        await cli.Ok("quarantine", "reprocess", id, "--wait");
        var incidents = JsonDocument.Parse(await cli.Ok("incident", "list", "--json")).RootElement;
        Assert.Contains("Setup tool", incidents.ToString(), StringComparison.Ordinal);
        var audit = await cli.Ok("audit", "list", "--json");
        Assert.Contains("admin-quarantine-carol", audit, StringComparison.Ordinal);
        Assert.Contains("quarantine.reprocess", audit, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_admin_follows_the_audit_logs_older_link_page_by_page_and_sees_every_change_once_in_order()
    {
        const string tenant = "admin-audit-pages";
        foreach (var name in new[] { "pages-a", "pages-b", "pages-c" })
        {
            await fixture.AddServiceMailbox(tenant, name, $"audit-{name}", $"{name}@example.com");
        }

        var page = await fixture.SignedIn(await fixture.Token(tenant, "admin", "admin-audit-erin"));
        await page.GotoAsync(fixture.BaseUrl + "/admin/audit");
        var whole = await page.Locator("table.audit tbody tr").AllInnerTextsAsync();
        Assert.True(whole.Count >= 4, $"{whole.Count} entries");
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Older entries" })).ToHaveCountAsync(0);

        // Two a page: each page's Older link carries the cursor (and the limit) to the next, the last has none.
        await page.GotoAsync(fixture.BaseUrl + "/admin/audit?limit=2");
        var walked = new List<string>();
        while (true)
        {
            var rows = await page.Locator("table.audit tbody tr").AllInnerTextsAsync();
            Assert.InRange(rows.Count, 1, 2);
            walked.AddRange(rows);
            var older = page.GetByRole(AriaRole.Link, new() { Name = "Older entries" });
            if (await older.CountAsync() == 0)
            {
                break;
            }

            var href = await older.GetAttributeAsync("href");
            Assert.Contains("limit=2", href, StringComparison.Ordinal);
            await page.GotoAsync(fixture.BaseUrl + href);
        }

        Assert.Equal(whole, walked);

        // A cursor that is not the audit log's is told as such, not a failure.
        var garbled = await page.GotoAsync(fixture.BaseUrl + "/admin/audit?cursor=bm90LWEtY3Vyc29y");
        Assert.Equal(200, garbled!.Status);
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("cursor");
    }

    [Fact]
    public async Task An_admin_creates_a_token_sees_it_once_and_revokes_it()
    {
        const string tenant = "admin-tokens";
        var page = await fixture.SignedIn(await fixture.Token(tenant, "admin", "admin-tokens-dana"));
        await page.GotoAsync(fixture.BaseUrl + "/admin/tokens");
        await page.GetByLabel("Name").FillAsync("crm-sync");
        await page.GetByLabel("Role").SelectOptionAsync("Agent");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create the token" }).ClickAsync();
        var token = await page.GetByLabel("The new token").InputValueAsync();
        Assert.StartsWith("tm1_", token, StringComparison.Ordinal);

        // Shown once: the list never holds it again.
        await page.GotoAsync(fixture.BaseUrl + "/admin/tokens");
        Assert.DoesNotContain(token, await page.ContentAsync(), StringComparison.Ordinal);
        await Assertions.Expect(page.Locator("table.tokens")).ToContainTextAsync("crm-sync");

        var agent = await fixture.SignedIn(token);
        Assert.EndsWith("/incidents", agent.Url);

        await page.GetByRole(AriaRole.Button, new() { Name = "Revoke crm-sync" }).ClickAsync();
        await Assertions.Expect(page.Locator("#done")).ToContainTextAsync("Token crm-sync was revoked");
        await Assertions.Expect(page.Locator("table.tokens")).ToContainTextAsync("revoked");
        var refused = await agent.GotoAsync(fixture.BaseUrl + "/incidents");
        Assert.Equal((int)HttpStatusCode.Unauthorized, refused!.Status);
    }

    [Fact]
    public async Task An_operator_sees_cluster_health_as_charts_and_a_tenant_admin_is_told_it_is_not_theirs()
    {
        var admin = await fixture.SignedIn(await fixture.Token("admin-health", "admin", "admin-health-erin"));
        await admin.GotoAsync(fixture.BaseUrl + "/admin/health");
        await Assertions.Expect(admin.GetByRole(AriaRole.Alert)).ToContainTextAsync("may not read the cluster's status");

        var page = await fixture.SignedIn(fixture.OperatorToken);
        await page.GotoAsync(fixture.BaseUrl + "/admin/health");
        await Assertions.Expect(page.Locator(".chart-wide svg.chart")).ToHaveCountAsync(2);
        await Assertions.Expect(page.GetByRole(AriaRole.Img, new() { Name = "Poll lateness in seconds, p50, p99 and max, over time" })).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("dl.facts")).ToContainTextAsync("Lateness now");
        await BrowserFixture.Screenshot(page, "admin-health");
        await page.SetViewportSizeAsync(BrowserFixture.Phone.Width, BrowserFixture.Phone.Height);
        await BrowserFixture.Screenshot(page, "admin-health-phone");
    }
}
