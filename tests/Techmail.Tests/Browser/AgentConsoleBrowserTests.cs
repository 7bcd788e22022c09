using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Playwright;
using MimeKit;
using Techmail.Tests.Support;

namespace Techmail.Tests.Browser;

/// <summary>
/// An agent's day in the web console, in a real chromium against a silo process, a real Dovecot and a real SMTP server:
/// mail arrives while the queue is open, the agent reads it, downloads its attachment, answers with a file and the
/// answer reaches the SMTP server from the mailbox with the incident's tracking Message-ID.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class AgentConsoleBrowserTests(BrowserFixture fixture)
{
    [Fact]
    public async Task Mail_appears_in_the_open_queue_and_the_agent_reads_downloads_and_answers_it_with_a_file()
    {
        const string tenant = "agentday", subject = "Invoice 4711 is wrong";
        await fixture.AddServiceMailbox(tenant, "support", "agentday", "help@agentday.example");
        var cli = fixture.Cli(tenant);
        var page = await fixture.SignedIn(await fixture.Token(tenant, "agent", "sam"));
        Assert.EndsWith("/incidents", page.Url);
        await Assertions.Expect(page.GetByText("No incidents here.")).ToBeVisibleAsync();
        // Set on this document: a reload would lose it.
        await page.EvaluateAsync("() => window.loadedOnce = true");

        var invoice = RandomNumberGenerator.GetBytes(40_000);
        var mail = CustomerMail("customer@agentday.example", subject, "The amount on invoice 4711 is twice what we ordered.\n\nOn Mon, 7 Dec 2026 at 09:00, Example Support <help@agentday.example> wrote:\n> Here is your invoice.\n> Kind regards", ("invoice-4711.pdf", "application/pdf", invoice), ("notes.html", "text/html", Hostile));
        fixture.Dovecot.Deliver("agentday", TestMail.ToBytes(mail));
        await cli.Ok("mailbox", "poll", "support", "--until-built");

        // The new incident shows up on the open page, without a reload, with the counts of the views beside it.
        var row = page.GetByRole(AriaRole.Row).Filter(new() { HasText = subject });
        await Assertions.Expect(row).ToBeVisibleAsync(new() { Timeout = 20_000 });
        Assert.True(await page.EvaluateAsync<bool>("() => window.loadedOnce === true"), "the page was reloaded");
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "New 1" })).ToBeVisibleAsync();
        await BrowserFixture.Screenshot(page, "queue");

        // j selects the first incident, o opens it.
        await page.Keyboard.PressAsync("j");
        await page.Keyboard.PressAsync("o");
        await page.WaitForURLAsync(url => url.Contains("/incidents/", StringComparison.Ordinal));
        var reference = page.Url[(page.Url.LastIndexOf('/') + 1)..];
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync(subject);
        var entry = page.Locator("article.entry").First;
        await Assertions.Expect(entry).ToContainTextAsync("twice what we ordered");
        await Assertions.Expect(entry).ToContainTextAsync("S/MIME: not signed");
        await Assertions.Expect(entry).ToContainTextAsync("customer@agentday.example");
        // The quoted history is folded away until asked for.
        await Assertions.Expect(entry.GetByText("Here is your invoice.")).ToBeHiddenAsync();
        await entry.GetByText("Whole message, with quoted text and signature").ClickAsync();
        await Assertions.Expect(entry.GetByText("Here is your invoice.", new() { Exact = false })).ToBeVisibleAsync();

        // The attachment downloads byte for byte, with its type and name.
        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Link, new() { Name = "Download invoice-4711.pdf" }).ClickAsync());
        Assert.Equal("invoice-4711.pdf", download.SuggestedFilename);
        var saved = await download.PathAsync();
        Assert.Equal(invoice, await File.ReadAllBytesAsync(saved));
        var href = await page.GetByRole(AriaRole.Link, new() { Name = "Download invoice-4711.pdf" }).GetAttributeAsync("href");
        var served = await page.Context.APIRequest.GetAsync(fixture.BaseUrl + href);
        Assert.Equal(200, served.Status);
        Assert.Equal("application/pdf", served.Headers["content-type"]);
        Assert.Equal("attachment; filename=invoice-4711.pdf; filename*=UTF-8''invoice-4711.pdf", served.Headers["content-disposition"]);
        Assert.Equal("nosniff", served.Headers["x-content-type-options"]);
        Assert.Equal(invoice, await served.BodyAsync());

        // Hostile HTML is only ever a download: no "open" link, and even its address asked to open it gives a sandboxed file.
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Open notes.html" })).ToHaveCountAsync(0);
        var htmlHref = (await page.GetByRole(AriaRole.Link, new() { Name = "Download notes.html" }).GetAttributeAsync("href"))!.Replace("?download=1", "");
        var html = await page.Context.APIRequest.GetAsync(fixture.BaseUrl + htmlHref);
        Assert.Equal("text/html", html.Headers["content-type"]);
        Assert.StartsWith("attachment", html.Headers["content-disposition"]);
        Assert.Contains("sandbox", html.Headers["content-security-policy"]);
        Assert.Equal(Hostile, await html.BodyAsync());
        var dialogs = 0;
        page.Dialog += (_, d) => { dialogs++; _ = d.DismissAsync(); };

        // r goes to the answer; it leaves with a file, from the mailbox, with the incident's tracking Message-ID.
        await page.Keyboard.PressAsync("r");
        await page.Keyboard.TypeAsync("Sorry about that: the corrected invoice is attached.");
        var corrected = RandomNumberGenerator.GetBytes(12_345);
        await page.GetByLabel("Attach files").SetInputFilesAsync(new FilePayload { Name = "invoice-4711-corrected.pdf", MimeType = "application/pdf", Buffer = corrected });
        await page.GetByRole(AriaRole.Button, new() { Name = "Send reply" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Your reply was sent." })).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("article.entry-agent")).ToContainTextAsync("the corrected invoice is attached");
        await Assertions.Expect(page.Locator("article.entry-agent")).ToContainTextAsync("sam");

        var shown = JsonDocument.Parse(await cli.Ok("incident", "show", reference, "--json")).RootElement;
        var answer = shown.GetProperty("thread").EnumerateArray().Last();
        Assert.Equal("Agent", answer.GetProperty("author").GetString());
        Assert.Equal("sam", answer.GetProperty("sender").GetString());
        var messageId = answer.GetProperty("messageId").GetString()!;
        var sent = await fixture.Smtp.WaitFor(m => $"<{m.Message.MessageId}>" == messageId, TimeSpan.FromSeconds(30));
        Assert.Equal(["customer@agentday.example"], sent.Recipients);
        Assert.Equal("help@agentday.example", sent.EnvelopeFrom);
        Assert.Equal("help@agentday.example", ((MailboxAddress)sent.Message.From.Single()).Address);
        Assert.EndsWith("@agentday.example>", messageId);
        Assert.Contains(reference, sent.Message.Subject);
        var file = (MimePart)sent.Message.Attachments.Single();
        Assert.Equal("invoice-4711-corrected.pdf", file.FileName);
        using (var bytes = new MemoryStream())
        {
            await file.Content!.DecodeToAsync(bytes);
            Assert.Equal(corrected, bytes.ToArray());
        }

        Assert.Equal("waiting", shown.GetProperty("incident").GetProperty("status").GetString()!.ToLowerInvariant());

        // Status, queue and assignee from the side form.
        await page.GetByLabel("Queue").FillAsync("billing");
        await page.GetByLabel("Assignee").FillAsync("sam");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Changes saved." })).ToBeVisibleAsync();
        var changed = JsonDocument.Parse(await cli.Ok("incident", "show", reference, "--json")).RootElement.GetProperty("incident");
        Assert.Equal(("billing", "sam"), (changed.GetProperty("queue").GetString(), changed.GetProperty("assignee").GetString()));
        await BrowserFixture.Screenshot(page, "incident");
        Assert.Equal(0, dialogs);

        // The phone-width pictures of the same pages.
        var phone = await fixture.SignedIn(await fixture.Token(tenant, "agent", "kim"), BrowserFixture.Phone);
        await Assertions.Expect(phone.GetByRole(AriaRole.Link, new() { Name = reference })).ToBeVisibleAsync();
        await BrowserFixture.Screenshot(phone, "queue-phone");
        await phone.GetByRole(AriaRole.Link, new() { Name = reference }).ClickAsync();
        await Assertions.Expect(phone.Locator("article.entry-agent")).ToBeVisibleAsync();
        await BrowserFixture.Screenshot(phone, "incident-phone");
    }

    [Fact]
    public async Task A_form_posted_without_the_antiforgery_token_is_refused_and_changes_nothing()
    {
        const string tenant = "agentcsrf";
        var (cli, reference) = await OneIncident(tenant, "Please close this", "Thanks, all good now.");
        var page = await fixture.SignedIn(await fixture.Token(tenant, "agent", "csrf-agent"));
        var url = $"{fixture.BaseUrl}/incidents/{reference}";
        await page.GotoAsync(url);

        // The signed-in browser's own cookies, but not the page's token: what another site's form would send.
        var forged = await page.Context.APIRequest.PostAsync(url, new() { Form = Form(page.Context.APIRequest, ("_handler", "change"), ("status", "solved"), ("queue", "forged")), MaxRedirects = 0 });
        Assert.Equal(400, forged.Status);
        var unchanged = JsonDocument.Parse(await cli.Ok("incident", "show", reference, "--json")).RootElement.GetProperty("incident");
        Assert.Equal("new", unchanged.GetProperty("status").GetString()!.ToLowerInvariant());
        Assert.Equal(JsonValueKind.Null, unchanged.GetProperty("queue").ValueKind);

        // The same post with the page's token goes through: the token, and only the token, was missing.
        var token = await page.Locator("form[aria-labelledby=change-title] input[name=__techmail_antiforgery]").GetAttributeAsync("value");
        var genuine = await page.Context.APIRequest.PostAsync(url, new() { Form = Form(page.Context.APIRequest, ("_handler", "change"), ("status", "solved"), ("queue", "genuine"), ("__techmail_antiforgery", token!)), MaxRedirects = 0 });
        Assert.InRange(genuine.Status, 300, 399);
        var solved = JsonDocument.Parse(await cli.Ok("incident", "show", reference, "--json")).RootElement.GetProperty("incident");
        Assert.Equal(("solved", "genuine"), (solved.GetProperty("status").GetString()!.ToLowerInvariant(), solved.GetProperty("queue").GetString()));
    }

    [Fact]
    public async Task An_agent_clears_an_incidents_queue_and_assignee_and_the_other_fields_stay()
    {
        const string tenant = "agentclear";
        var (cli, reference) = await OneIncident(tenant, "Wrong desk", "This went to the wrong people.");
        await cli.Ok("incident", "update", reference, "--queue", "billing", "--assignee", "sam", "--priority", "high");
        var page = await fixture.SignedIn(await fixture.Token(tenant, "agent", "clear-agent"));
        await page.GotoAsync($"{fixture.BaseUrl}/incidents/{reference}");
        await Assertions.Expect(page.GetByLabel("Queue")).ToHaveValueAsync("billing");

        await page.GetByLabel("Queue").ClearAsync();
        await page.GetByLabel("Assignee").ClearAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Changes saved." })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByLabel("Queue")).ToHaveValueAsync("");
        await Assertions.Expect(page.GetByLabel("Assignee")).ToHaveValueAsync("");
        var cleared = JsonDocument.Parse(await cli.Ok("incident", "show", reference, "--json")).RootElement.GetProperty("incident");
        Assert.Equal(JsonValueKind.Null, cleared.GetProperty("queue").ValueKind);
        Assert.Equal(JsonValueKind.Null, cleared.GetProperty("assignee").ValueKind);
        Assert.Equal("high", cleared.GetProperty("priority").GetString());

        // Cleared means assigned to nobody: the queue's "Unassigned" view lists it.
        await page.GotoAsync($"{fixture.BaseUrl}/incidents");
        await page.GetByRole(AriaRole.Link, new() { Name = "Unassigned" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Row).Filter(new() { HasText = "Wrong desk" })).ToBeVisibleAsync();

        // The client clears the same way, with an empty value.
        await cli.Ok("incident", "update", reference, "--priority", "");
        Assert.Equal(JsonValueKind.Null, JsonDocument.Parse(await cli.Ok("incident", "show", reference, "--json")).RootElement.GetProperty("incident").GetProperty("priority").ValueKind);
    }

    [Fact]
    public async Task An_auditor_reads_incidents_but_the_engine_refuses_its_reply_next_to_the_form()
    {
        const string tenant = "agentaudit";
        await fixture.AddServiceMailbox(tenant, "support", "agentaudit", "help@agentaudit.example");
        var cli = fixture.Cli(tenant);
        fixture.Dovecot.Deliver("agentaudit", TestMail.ToBytes(CustomerMail("customer@agentaudit.example", "Audit me", "Just checking.")));
        await cli.Ok("mailbox", "poll", "support", "--until-built");
        var page = await fixture.SignedIn(await fixture.Token(tenant, "auditor", "reader"));
        await page.GetByRole(AriaRole.Row).Filter(new() { HasText = "Audit me" }).GetByRole(AriaRole.Link).ClickAsync();
        await Assertions.Expect(page.Locator("article.entry").First).ToContainTextAsync("Just checking.");

        await page.GetByLabel("Your answer").FillAsync("I should not be able to send this.");
        await page.GetByRole(AriaRole.Button, new() { Name = "Send reply" }).ClickAsync();
        // The grain's access filter refused the call made with the auditor's identity; the page says so and keeps the text.
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("may not reply to or change incidents");
        await Assertions.Expect(page.GetByLabel("Your answer")).ToHaveValueAsync("I should not be able to send this.");
        var incident = JsonDocument.Parse(await cli.Ok("incident", "list", "--json")).RootElement.GetProperty("incidents")[0];
        Assert.Equal("new", incident.GetProperty("status").GetString()!.ToLowerInvariant());
        var thread = JsonDocument.Parse(await cli.Ok("incident", "show", incident.GetProperty("reference").GetString()!, "--json")).RootElement.GetProperty("thread");
        Assert.DoesNotContain(thread.EnumerateArray(), e => e.GetProperty("author").GetString() == "Agent");
    }

    [Fact]
    public async Task A_reply_with_too_many_bytes_is_refused_with_the_limit_and_nothing_is_sent()
    {
        const string tenant = "agentlarge";
        var (cli, reference) = await OneIncident(tenant, "Send me everything", "All the files, please.");
        var page = await fixture.SignedIn(await fixture.Token(tenant, "agent", "large-agent"));
        var url = $"{fixture.BaseUrl}/incidents/{reference}";
        await page.GotoAsync(url);

        // In the browser: the files are refused as they are chosen, and the form does not leave.
        await page.GetByLabel("Your answer").FillAsync("Here they are.");
        var files = page.GetByLabel("Attach files");
        await files.SetInputFilesAsync(new FilePayload { Name = "big.bin", MimeType = "application/octet-stream", Buffer = new byte[21 * 1024 * 1024] });
        Assert.Contains("at most 20.0 MB", await files.EvaluateAsync<string>("input => input.validationMessage"));
        await page.GetByRole(AriaRole.Button, new() { Name = "Send reply" }).ClickAsync();
        Assert.Equal(url, page.Url);
        await Assertions.Expect(page.GetByLabel("Your answer")).ToHaveValueAsync("Here they are.");

        // Posted anyway (no script, or another client): over the files' limit, the page says so and keeps the text.
        var token = await page.Locator("form[aria-labelledby=reply-title] input[name=__techmail_antiforgery]").GetAttributeAsync("value");
        IFormData Reply(int bytes)
        {
            var form = Form(page.Context.APIRequest, ("_handler", "reply"), ("body", "Here they are."), ("after", "waiting"), ("__techmail_antiforgery", token!));
            form.Set("files", new FilePayload { Name = "big.bin", MimeType = "application/octet-stream", Buffer = new byte[bytes] });
            return form;
        }

        var over = await page.Context.APIRequest.PostAsync(url, new() { Multipart = Reply(20 * 1024 * 1024 + 512 * 1024), MaxRedirects = 0 });
        Assert.Equal(200, over.Status);
        var text = await over.TextAsync();
        Assert.Contains("The files come to 20.5 MB; a reply takes at most 20 MB. Nothing was sent", text);
        Assert.Contains("Here they are.</textarea>", text);

        // Far over: refused before the body is read, with a page that says why.
        var far = await page.Context.APIRequest.PostAsync(url, new() { Multipart = Reply(23 * 1024 * 1024), MaxRedirects = 0 });
        Assert.Equal(413, far.Status);
        Assert.Contains("the console takes at most 20 MB of files. Nothing was sent.", await far.TextAsync());

        var thread = JsonDocument.Parse(await cli.Ok("incident", "show", reference, "--json")).RootElement.GetProperty("thread");
        Assert.DoesNotContain(thread.EnumerateArray(), e => e.GetProperty("author").GetString() == "Agent");
    }

    // What a hostile sender attaches: a page whose script would run if the console ever showed it.
    private static readonly byte[] Hostile = System.Text.Encoding.UTF8.GetBytes("<html><body><script>alert('owned')</script><p>Click me</p></body></html>");

    private static IFormData Form(IAPIRequestContext request, params (string Name, string Value)[] fields)
    {
        var form = request.CreateFormData();
        foreach (var (name, value) in fields)
        {
            form.Set(name, value);
        }

        return form;
    }

    /// <summary>
    /// A Service mailbox "support" for <paramref name="tenant"/> (its Dovecot user of the same name), one customer mail
    /// delivered and polled into an incident.
    /// </summary>
    /// <returns>The tenant's client and the incident's reference.</returns>
    private async Task<(Cli Cli, string Reference)> OneIncident(string tenant, string subject, string text)
    {
        await fixture.AddServiceMailbox(tenant, "support", tenant, $"help@{tenant}.example");
        var cli = fixture.Cli(tenant);
        fixture.Dovecot.Deliver(tenant, TestMail.ToBytes(CustomerMail($"customer@{tenant}.example", subject, text)));
        await cli.Ok("mailbox", "poll", "support", "--until-built");
        var reference = JsonDocument.Parse(await cli.Ok("incident", "list", "--json")).RootElement.GetProperty("incidents")[0].GetProperty("reference").GetString()!;
        return (cli, reference);
    }

    private static MimeMessage CustomerMail(string from, string subject, string text, params (string Name, string Type, byte[] Content)[] files)
    {
        var builder = new BodyBuilder { TextBody = text };
        foreach (var (name, type, content) in files)
        {
            builder.Attachments.Add(name, content, ContentType.Parse(type));
        }

        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("Casey Customer", from));
        message.To.Add(MailboxAddress.Parse("support@example.com"));
        message.Subject = subject;
        message.MessageId = MimeKit.Utils.MimeUtils.GenerateMessageId("customer.example");
        message.Body = builder.ToMessageBody();
        return message;
    }
}
