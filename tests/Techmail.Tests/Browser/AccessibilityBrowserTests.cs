using System.Text;
using System.Text.Json;
using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using MimeKit;
using Techmail.Tests.Support;
using Xunit.Abstractions;

namespace Techmail.Tests.Browser;

/// <summary>
/// The console's pages checked by axe-core (its script comes inside the package, nothing is fetched) in a real chromium
/// at a laptop's and a phone's width, on pages with real content from a silo, Dovecot and the SMTP sink; and the
/// incident page worked by keyboard alone.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class AccessibilityBrowserTests(BrowserFixture fixture, ITestOutputHelper output)
{
    /// <summary>What fails the test; minor and moderate findings are written to the output, to be read and judged.</summary>
    private static readonly HashSet<string> Failing = new(StringComparer.OrdinalIgnoreCase) { "serious", "critical" };

    [Fact]
    public async Task Every_main_page_has_no_serious_or_critical_axe_violation_at_laptop_and_phone_width()
    {
        const string tenant = "a11y";
        var reference = await IncidentWithAttachment(tenant, "a11y", "Printer on fire");
        var adminToken = await fixture.Token(tenant, "admin", "a11y-admin");
        var agentToken = await fixture.Token(tenant, "agent", "a11y-agent");
        var found = new List<string>();

        foreach (var viewport in new[] { BrowserFixture.Laptop, BrowserFixture.Phone })
        {
            var width = $"{viewport.Width}px";
            var signIn = await fixture.NewPage(viewport);
            await signIn.GotoAsync(fixture.BaseUrl + "/signin");
            await Check(signIn, $"sign-in at {width}", found);

            var agent = await fixture.SignedIn(agentToken, viewport);
            await Check(agent, $"agent queue at {width}", found);
            await agent.GotoAsync($"{fixture.BaseUrl}/incidents/{reference}");
            await Check(agent, $"incident at {width}", found);
            // With the shortcuts panel open: a modal dialog over the page.
            await agent.Keyboard.PressAsync("?");
            await Assertions.Expect(agent.GetByRole(AriaRole.Dialog, new() { Name = "Keyboard shortcuts" })).ToBeVisibleAsync();
            await Check(agent, $"shortcuts panel at {width}", found);

            var admin = await fixture.SignedIn(adminToken, viewport);
            foreach (var path in new[] { "/admin", "/admin/mailboxes", "/admin/mailboxes/support", "/admin/mailboxes/support/trace", "/admin/new-mailbox", "/admin/quarantine", "/admin/bounces", "/admin/rules", "/admin/certificates", "/admin/tokens", "/admin/audit" })
            {
                var opened = await admin.GotoAsync(fixture.BaseUrl + path);
                Assert.Equal(200, opened!.Status);
                await Check(admin, $"{path} at {width}", found);
            }

            // The edit form with the engine's message next to a field.
            await admin.GotoAsync(fixture.BaseUrl + "/admin/mailboxes/support");
            await admin.Locator("#f-incoming-port").FillAsync("70000");
            await admin.GetByRole(AriaRole.Button, new() { Name = "Save the settings" }).ClickAsync();
            await Assertions.Expect(admin.Locator("#f-incoming-port-error")).ToHaveTextAsync("70000 is not a port (1-65535).");
            await Check(admin, $"mailbox form with an error at {width}", found);

            // A token just made, shown once.
            await admin.GotoAsync(fixture.BaseUrl + "/admin/tokens");
            await admin.GetByLabel("Name").FillAsync($"a11y-{viewport.Width}");
            await admin.GetByRole(AriaRole.Button, new() { Name = "Create the token" }).ClickAsync();
            await Assertions.Expect(admin.GetByLabel("The new token")).ToBeVisibleAsync();
            await Check(admin, $"a new token at {width}", found);

            // Cluster health is the operators'.
            var operatorPage = await fixture.SignedIn(fixture.OperatorToken, viewport);
            await operatorPage.GotoAsync(fixture.BaseUrl + "/admin/health");
            await Assertions.Expect(operatorPage.Locator("dl.facts")).ToContainTextAsync("Lateness now");
            await Check(operatorPage, $"/admin/health at {width}", found);
            await operatorPage.GotoAsync(fixture.BaseUrl + "/incidents");
            await Check(operatorPage, $"an operator's tenant choice at {width}", found);

            foreach (var page in new[] { signIn, agent, admin, operatorPage })
            {
                await page.Context.CloseAsync();
            }
        }

        Assert.True(found.Count == 0, "serious or critical accessibility violations, or pages wider than the screen:\n" + string.Join("\n", found));
    }

    [Fact]
    public async Task The_incident_page_tabs_in_reading_order_to_the_reply_and_its_send_button_and_its_shortcuts_work()
    {
        const string tenant = "a11y-keys";
        var reference = await IncidentWithAttachment(tenant, "a11y-keys", "Keyboard only");
        var page = await fixture.SignedIn(await fixture.Token(tenant, "agent", "keys-agent"));

        // "/" searches, j selects the first row, Enter opens it.
        await page.Keyboard.PressAsync("/");
        Assert.Equal("search", await page.EvaluateAsync<string>("() => document.activeElement.type"));
        await page.Keyboard.PressAsync("Escape");
        Assert.Equal("BODY", await page.EvaluateAsync<string>("() => document.activeElement.tagName"));
        await page.Keyboard.PressAsync("j");
        await Assertions.Expect(page.Locator("[data-row].selected")).ToContainTextAsync(reference);
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForURLAsync(url => url.EndsWith("/incidents/" + reference, StringComparison.Ordinal));

        // From the top of the page, Tab alone: every stop comes after the one before in the page's order and, where the
        // two share a column, below it, and the walk reaches the answer box and then its send button.
        var stops = new List<string>();
        var previous = await page.EvaluateHandleAsync("() => document.body");
        for (var i = 0; i < 80 && !stops.Contains("button:Send reply"); i++)
        {
            await page.Keyboard.PressAsync("Tab");
            var focused = await page.EvaluateHandleAsync("() => document.activeElement");
            var order = await page.EvaluateAsync<JsonElement>(
                """
                ([before, now]) => {
                    const a = before.getBoundingClientRect(), b = now.getBoundingClientRect();
                    return {
                        after: before === document.body || (before.compareDocumentPosition(now) & Node.DOCUMENT_POSITION_FOLLOWING) !== 0,
                        visible: b.width > 0 && b.height > 0,
                        name: now.tagName.toLowerCase() + ":" + (now.labels?.[0]?.textContent?.trim() || now.getAttribute("aria-label") || now.textContent.trim()).slice(0, 40),
                        upward: before !== document.body && b.left < a.right && a.left < b.right && b.bottom <= a.top,
                    };
                }
                """, new[] { previous, focused });
            var name = order.GetProperty("name").GetString()!;
            Assert.True(order.GetProperty("after").GetBoolean(), $"Tab went back in the page to {name} after {string.Join(", ", stops)}");
            Assert.True(order.GetProperty("visible").GetBoolean(), $"Tab stopped on {name}, which is not visible");
            Assert.False(order.GetProperty("upward").GetBoolean(), $"Tab went up the column to {name}");
            stops.Add(name);
            previous = focused;
        }

        output.WriteLine("Tab order: " + string.Join(" → ", stops));
        Assert.Equal("a:Skip to content", stops[0]);
        var answer = stops.IndexOf("textarea:Your answer");
        Assert.True(answer > 0, "Tab never reached the answer: " + string.Join(", ", stops));
        Assert.True(stops.IndexOf("button:Send reply") > answer, "the send button does not follow the answer");
        Assert.True(stops.IndexOf("button:Save changes") < answer, "the change form is not read before the reply");

        // The skip link leads to the content.
        await page.Locator("a.skip").FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        Assert.Equal("main", await page.EvaluateAsync<string>("() => document.activeElement.id"));

        // j and k walk the thread; r goes to the answer; Esc leaves it and the keys work again; ? opens and closes the
        // panel of shortcuts; u goes back to the incidents.
        await page.Keyboard.PressAsync("j");
        await Assertions.Expect(page.Locator("[data-entry].selected")).ToHaveCountAsync(1);
        Assert.True(await page.EvaluateAsync<bool>("() => document.activeElement.matches('[data-entry]')"));
        await page.Keyboard.PressAsync("k");
        Assert.True(await page.EvaluateAsync<bool>("() => document.activeElement.matches('[data-entry]')"));
        await page.Keyboard.PressAsync("r");
        Assert.Equal("body", await page.EvaluateAsync<string>("() => document.activeElement.id"));
        await page.Keyboard.TypeAsync("ok");
        await Assertions.Expect(page.GetByLabel("Your answer")).ToHaveValueAsync("ok");
        await page.Keyboard.PressAsync("Escape");
        await page.Keyboard.PressAsync("?");
        var help = page.GetByRole(AriaRole.Dialog, new() { Name = "Keyboard shortcuts" });
        await Assertions.Expect(help).ToBeVisibleAsync();
        await page.Keyboard.PressAsync("Escape");
        await Assertions.Expect(help).ToBeHiddenAsync();
        await page.Keyboard.PressAsync("u");
        await page.WaitForURLAsync(url => url.EndsWith("/incidents", StringComparison.Ordinal));
    }

    /// <summary>Runs axe on the page as it is now; serious and critical findings go to <paramref name="found"/>, the rest to the output.</summary>
    private async Task Check(IPage page, string what, List<string> found)
    {
        // The page fits its screen: on a phone nothing may need sideways scrolling of the whole page (a wide table
        // scrolls inside its own box). Measured at the page's full height, so the fold hides nothing.
        var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - window.innerWidth");
        if (overflow > 0)
        {
            var widest = await page.EvaluateAsync<string>(
                "() => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)" +
                ".slice(0, 5).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className ? '.' + String(e.className).replace(/ /g, '.') : '')).join(', ')");
            found.Add($"{what}: the page is {overflow} px wider than the screen ({widest})");
        }

        var result = await page.RunAxe();
        // Contrast is the check most easily left undecided (text over an image or a gradient): it must have run here.
        Assert.True(result.Passes.Concat(result.Violations).Any(r => r.Id == "color-contrast"), $"{what}: axe did not decide color-contrast");
        foreach (var undecided in result.Incomplete)
        {
            output.WriteLine($"{what}: {undecided.Id} needs a person to check: {string.Join("; ", undecided.Nodes.Select(n => n.Target?.ToString()))}");
        }

        foreach (var violation in result.Violations)
        {
            var where = string.Join("; ", violation.Nodes.Select(n => $"{n.Target} {string.Join(" ", n.Any.Concat(n.All).Concat(n.None).Select(c => c.Message))}"));
            var line = $"{what}: {violation.Id} ({violation.Impact}) {violation.Help}: {where}";
            if (Failing.Contains(violation.Impact ?? ""))
            {
                found.Add(line);
            }

            output.WriteLine(line);
        }
    }

    /// <summary>A Service mailbox named support, and one customer mail with a file and quoted history made into an incident.</summary>
    private async Task<string> IncidentWithAttachment(string tenant, string account, string subject)
    {
        await fixture.AddServiceMailbox(tenant, "support", account, $"help@{account}.example");
        var builder = new BodyBuilder { TextBody = "It smokes.\n\nOn Mon, 7 Dec 2026, Example Support wrote:\n> Anything else?" };
        builder.Attachments.Add("photo.png", Encoding.ASCII.GetBytes("not really a picture"), ContentType.Parse("image/png"));
        var mail = new MimeMessage();
        mail.From.Add(new MailboxAddress("Casey Customer", $"casey@{account}.example"));
        mail.To.Add(MailboxAddress.Parse($"help@{account}.example"));
        mail.Subject = subject;
        mail.MessageId = MimeKit.Utils.MimeUtils.GenerateMessageId("customer.example");
        mail.Body = builder.ToMessageBody();
        fixture.Dovecot.Deliver(account, TestMail.ToBytes(mail));
        var cli = fixture.Cli(tenant);
        await cli.Ok("mailbox", "poll", "support", "--until-built");
        return JsonDocument.Parse(await cli.Ok("incident", "list", "--json")).RootElement.GetProperty("incidents")[0].GetProperty("reference").GetString()!;
    }
}
