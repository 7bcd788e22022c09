using System.Text.Json;
using Microsoft.Playwright;
using Techmail.Tests.Support;

namespace Techmail.Tests.Browser;

/// <summary>
/// What the web console's browser tests share: one silo process with its HTTP port, a Dovecot and an SMTP sink for
/// its mailboxes, and Debian's chromium driven headless by Playwright (its own browser download cannot work here,
/// so <see cref="ChromiumPath"/> is given as the executable). Each test works in a tenant of its own and opens its
/// own browser context, so cookies and sessions never leak between tests.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    /// <summary>A laptop's and a phone's viewport, the two widths the console is made for.</summary>
    public static readonly ViewportSize Laptop = new() { Width = 1280, Height = 800 }, Phone = new() { Width = 390, Height = 844 };

    private readonly TempDirectory _data = new("techmail-browser");
    private IPlaywright? _playwright;

    public SiloProcess Silo { get; private set; } = null!;

    public DovecotServer Dovecot { get; private set; } = null!;

    public SmtpSink Smtp { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>The console's address, as a newcomer types it (on the test's own free port instead of 8080).</summary>
    public string BaseUrl => Silo.Http.ToString().TrimEnd('/');

    public string OperatorToken => File.ReadAllText(Silo.OperatorTokenFile).Trim();

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"{ChromiumPath} is missing: scripts/install-test-servers installs Debian's chromium package");
        }

        var silo = SiloProcess.Start(_data.Path);
        var dovecot = DovecotServer.Start();
        var smtp = SmtpSink.Start();
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = ChromiumPath, Headless = true });
        Silo = await silo;
        Dovecot = await dovecot;
        Smtp = await smtp;
    }

    public Cli Cli(string tenant) => new(Silo.Gateway, tenant);

    /// <summary>A token made with the real client, as an admin hands one to a colleague.</summary>
    public async Task<string> Token(string tenant, string role, string name) =>
        JsonDocument.Parse(await Cli(tenant).Ok("token", "create", "--role", role, "--name", name, "--json")).RootElement.GetProperty("token").GetString()!;

    /// <summary>A Service mailbox of the tenant reading a Dovecot account of its own and answering through the SMTP sink.</summary>
    public async Task AddServiceMailbox(string tenant, string mailbox, string account, string envelopeFrom)
    {
        Dovecot.AddUser(account, account + "-password");
        await Cli(tenant).Ok("mailbox", "add", mailbox, "--type", "service", "--host", "127.0.0.1", "--port", Dovecot.Pop3Port.ToString(),
            "--tls", "none", "--allow-plaintext-password", "--account", account, "--password", account + "-password",
            "--envelope-from", envelopeFrom, "--friendly-from", envelopeFrom, "--display-name", "Example Support",
            "--smtp-host", "127.0.0.1", "--smtp-port", Smtp.Port.ToString(), "--smtp-tls", "none", "--enable");
    }

    /// <summary>A fresh browser context (its own cookies) with one page, not signed in.</summary>
    public async Task<IPage> NewPage(ViewportSize? viewport = null)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = viewport ?? Laptop, AcceptDownloads = true });
        // Generous: the machine is shared, and a silo's first page renders its components for the first time.
        context.SetDefaultTimeout(30_000);
        context.SetDefaultNavigationTimeout(60_000);
        return await context.NewPageAsync();
    }

    /// <summary>Signs in through the console's own form, the way a person does, and waits for the landing page.</summary>
    public async Task<IPage> SignedIn(string token, ViewportSize? viewport = null)
    {
        var page = await NewPage(viewport);
        await page.GotoAsync(BaseUrl + "/");
        await page.GetByLabel("Token").FillAsync(token);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForURLAsync(url => !url.Contains("/signin", StringComparison.Ordinal));
        return page;
    }

    /// <summary>
    /// Saves the page as docs/screenshots/NAME.png: taken by the tests, the README's pictures stay those of the
    /// console as it is.
    /// </summary>
    public static async Task Screenshot(IPage page, string name)
    {
        var directory = Path.Combine(RepoPaths.Root, "docs", "screenshots");
        Directory.CreateDirectory(directory);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(directory, name + ".png"), FullPage = true });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }

        _playwright?.Dispose();
        if (Silo is not null)
        {
            await Silo.DisposeAsync();
        }

        if (Dovecot is not null)
        {
            await Dovecot.DisposeAsync();
        }

        if (Smtp is not null)
        {
            await Smtp.DisposeAsync();
        }

        _data.Dispose();
    }
}

/// <summary>The browser tests share one silo and one chromium: starting them is most of a test's time.</summary>
[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<BrowserFixture>
{
    public const string Name = "Browser";
}
