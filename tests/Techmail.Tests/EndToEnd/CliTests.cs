using System.Text.Json;
using Techmail.Tests.Support;

namespace Techmail.Tests.EndToEnd;

public sealed class SqliteCliTests(SiloProcessFixture fixture) : CliTests(fixture), IClassFixture<SiloProcessFixture>;

public sealed class PostgresCliTests(PostgresSiloProcessFixture fixture) : CliTests(fixture), IClassFixture<PostgresSiloProcessFixture>;

/// <summary>The real client against a real silo process, on each storage profile.</summary>
public abstract class CliTests(SiloProcessFixture fixture)
{
    private static string NewTenant() => "cli" + Guid.NewGuid().ToString("N")[..10];

    private static readonly string[] FullAdd =
    [
        "mailbox", "add", "support", "--type", "service",
        "--protocol", "pop3", "--host", "pop.example.com", "--tls", "ssl", "--account", "support@example.com", "--password", "pop-pass",
        "--auth", "scram-sha-256", "--auth", "plain",
        "--envelope-from", "bounces@example.com", "--friendly-from", "help@example.com", "--reply-to", "reply@example.com",
        "--display-name", "Example Help", "--smtp-host", "smtp.example.com", "--smtp-port", "587", "--smtp-tls", "starttls",
        "--smtp-user", "relay", "--smtp-password", "smtp-pass",
        "--discard", "spam=subject:contains:[SPAM]", "--discard", "flag=header:X-Spam-Flag:equals:YES",
        "--max-attachment-size", "5MB", "--max-message-size", "20MB", "--allow-type", ".pdf", "--allow-type", "image/*", "--block-type", ".exe",
        "--reject-forward", "postmaster@example.com", "--poll-interval", "2m", "--enable", "--json",
    ];

    [Fact]
    public async Task Add_with_every_option_then_show_returns_them_with_passwords_masked()
    {
        var cli = fixture.Cli(NewTenant());
        var added = JsonDocument.Parse(await cli.Ok(FullAdd)).RootElement;
        var shown = JsonDocument.Parse(await cli.Ok("mailbox", "show", "support", "--json")).RootElement;

        foreach (var view in new[] { added, shown })
        {
            var s = view.GetProperty("settings");
            Assert.Equal("Service", s.GetProperty("type").GetString());
            Assert.True(s.GetProperty("enabled").GetBoolean());
            Assert.Equal("Both", s.GetProperty("direction").GetString());
            var incoming = s.GetProperty("incoming");
            Assert.Equal("pop.example.com", incoming.GetProperty("host").GetString());
            Assert.Equal("SslOnConnect", incoming.GetProperty("tls").GetString());
            Assert.Equal(995, incoming.GetProperty("effectivePort").GetInt32());
            Assert.Equal("********", incoming.GetProperty("password").GetString());
            Assert.Equal(["SCRAM-SHA-256", "PLAIN"], incoming.GetProperty("authMechanisms").EnumerateArray().Select(e => e.GetString()));
            var outgoing = s.GetProperty("outgoing");
            Assert.Equal("bounces@example.com", outgoing.GetProperty("envelopeFrom").GetString());
            Assert.Equal("help@example.com", outgoing.GetProperty("friendlyFrom").GetString());
            Assert.Equal("Example Help", outgoing.GetProperty("displayName").GetString());
            Assert.Equal("********", outgoing.GetProperty("relay").GetProperty("password").GetString());
            Assert.Equal(2, s.GetProperty("discardFilters").GetArrayLength());
            Assert.Equal("X-Spam-Flag", s.GetProperty("discardFilters")[1].GetProperty("headerName").GetString());
            Assert.Equal(5L << 20, s.GetProperty("attachments").GetProperty("maxAttachmentBytes").GetInt64());
            Assert.Equal("00:02:00", s.GetProperty("pollInterval").GetString());
        }

        Assert.DoesNotContain("pop-pass", added.GetRawText());
        Assert.DoesNotContain("smtp-pass", shown.GetRawText());
    }

    [Fact]
    public async Task OAuth_and_plaintext_options_are_shown_with_the_client_secret_masked_everywhere_but_a_secrets_export()
    {
        var cli = fixture.Cli(NewTenant());
        var added = await cli.RunWithInput("oauth-client-secret-value\n",
            "mailbox", "add", "oauth", "--type", "service", "--protocol", "imap", "--host", "imap.example.com", "--tls", "none",
            "--allow-plaintext-password", "--account", "support@example.com", "--oauth-token-url", "https://login.example.com/token",
            "--oauth-client-id", "techmail", "--oauth-client-secret-stdin", "--oauth-scope", "mail", "--oauth-mechanism", "oauthbearer",
            "--envelope-from", "bounces@example.com", "--smtp-host", "smtp.example.com", "--smtp-user", "relay", "--smtp-password", "p",
            "--smtp-auth", "login", "--smtp-auth", "plain");
        Assert.True(added.ExitCode == 0, added.ToString());

        var table = await cli.Ok("mailbox", "show", "oauth");
        Assert.Contains("OAUTHBEARER client=techmail", table);
        Assert.Contains("SMTP auth mechanisms", table);
        Assert.Contains("LOGIN, PLAIN", table);
        var json = await cli.Ok("mailbox", "show", "oauth", "--json");
        var incoming = JsonDocument.Parse(json).RootElement.GetProperty("settings").GetProperty("incoming");
        Assert.True(incoming.GetProperty("allowPlaintextPassword").GetBoolean());
        Assert.Equal("********", incoming.GetProperty("oAuth").GetProperty("clientSecret").GetString());
        foreach (var shown in new[] { table, json, await cli.Ok("mailbox", "export") })
        {
            Assert.DoesNotContain("oauth-client-secret-value", shown);
        }

        Assert.Contains("oauth-client-secret-value", await cli.Ok("mailbox", "export", "--include-secrets"));
    }

    [Fact]
    public async Task Walkthrough_add_list_update_disable_enable_remove()
    {
        var cli = fixture.Cli(NewTenant());
        var empty = await cli.Ok("mailbox", "list");
        Assert.Contains("No mailboxes", empty);

        await cli.Ok("mailbox", "add", "help", "--type", "service", "--host", "127.0.0.1", "--account", "help", "--password", "x");
        var table = await cli.Ok("mailbox", "list");
        Assert.Contains("help", table);
        Assert.Contains("Service", table);
        Assert.Contains("1 of 1", table);

        await cli.Ok("mailbox", "update", "help", "--poll-interval", "10m", "--enable");
        var listed = JsonDocument.Parse(await cli.Ok("mailbox", "list", "--json")).RootElement;
        var item = listed.GetProperty("items")[0];
        Assert.True(item.GetProperty("enabled").GetBoolean());
        Assert.Equal("00:10:00", item.GetProperty("pollInterval").GetString());

        var status = JsonDocument.Parse(await cli.Ok("mailbox", "status", "help", "--json")).RootElement;
        Assert.Equal("Scheduled", status.GetProperty("status").GetProperty("state").GetString());
        var backlog = status.GetProperty("backlog");
        Assert.Equal(0, backlog.GetProperty("waiting").GetInt64());
        Assert.Equal(JsonValueKind.Null, backlog.GetProperty("oldestWaitingAgeSeconds").ValueKind);
        Assert.Contains("0 built, 0 waiting", await cli.Ok("mailbox", "status", "help"));
        var engine = JsonDocument.Parse(await cli.Ok("status", "--json")).RootElement;
        Assert.True(engine.GetProperty("backlog").TryGetProperty("failing", out _));

        await cli.Ok("mailbox", "disable", "help");
        Assert.False(JsonDocument.Parse(await cli.Ok("mailbox", "show", "help", "--json")).RootElement.GetProperty("settings").GetProperty("enabled").GetBoolean());
        await cli.Ok("mailbox", "enable", "help");

        await cli.Ok("mailbox", "remove", "help");
        var gone = await cli.Run("mailbox", "show", "help");
        Assert.Equal(1, gone.ExitCode);
        Assert.Contains("does not exist", gone.Stderr);
    }

    [Fact]
    public async Task Password_can_come_from_standard_input()
    {
        var cli = fixture.Cli(NewTenant());
        var result = await cli.RunWithInput("from-stdin\n", "mailbox", "add", "a", "--type", "marketing", "--host", "mail.example.com", "--account", "b", "--password-stdin");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.DoesNotContain("from-stdin", result.Stdout);
    }

    [Fact]
    public async Task Refusals_exit_non_zero_with_one_line_naming_the_problem()
    {
        var cli = fixture.Cli(NewTenant());

        var badPort = await cli.Run("mailbox", "add", "a", "--type", "service", "--host", "mail.example.com", "--port", "70000", "--account", "a", "--password", "p");
        Assert.Equal(1, badPort.ExitCode);
        Assert.Contains("incoming.port", badPort.Stderr);
        Assert.Single(badPort.Stderr.Trim().Split('\n'));

        var badRegex = await cli.Run("mailbox", "add", "a", "--type", "service", "--discard", "x=subject:regex:([a-", "--json");
        Assert.Equal(1, badRegex.ExitCode);
        Assert.Contains("does not compile", badRegex.Stderr);
        Assert.Equal("Invalid", JsonDocument.Parse(badRegex.Stdout).RootElement.GetProperty("kind").GetString());

        var noType = await cli.Run("mailbox", "add", "a", "--host", "x");
        Assert.Equal(2, noType.ExitCode);
        Assert.Contains("--type is required", noType.Stderr);

        var badSize = await cli.Run("mailbox", "add", "a", "--type", "service", "--max-message-size", "huge");
        Assert.Equal(2, badSize.ExitCode);
        Assert.Contains("--max-message-size", badSize.Stderr);

        await cli.Ok("mailbox", "add", "s", "--type", "service", "--host", "mail.example.com", "--account", "shared", "--password", "p");
        var conflict = await cli.Run("mailbox", "add", "m", "--type", "marketing", "--host", "MAIL.example.com", "--account", "shared", "--password", "p");
        Assert.Equal(1, conflict.ExitCode);
        Assert.Contains("never share an account", conflict.Stderr);

        var twice = await cli.Run("mailbox", "add", "s", "--type", "service", "--host", "mail.example.com", "--account", "other", "--password", "p");
        Assert.Equal(1, twice.ExitCode);
        Assert.Contains("already exists", twice.Stderr);

        var unknown = await cli.Run("mailbox", "frobnicate");
        Assert.NotEqual(0, unknown.ExitCode);
    }

    [Fact]
    public async Task Unreachable_silo_is_reported_in_one_line_with_its_own_exit_code()
    {
        var cli = new Cli($"127.0.0.1:{FreePort.Next()}");
        var result = await cli.Run("mailbox", "list");
        Assert.Equal(3, result.ExitCode);
        Assert.StartsWith("techmail: cannot reach the silo at 127.0.0.1:", result.Stderr.Trim());
        Assert.Single(result.Stderr.Trim().Split('\n'));
    }

    [Fact]
    public async Task Import_many_then_export_round_trips_and_failures_are_listed()
    {
        using var dir = new TempDirectory();
        var cli = fixture.Cli(NewTenant());
        var entries = Enumerable.Range(0, 300).Select(i => new
        {
            name = $"box-{i:000}",
            settings = new
            {
                type = i % 3 == 0 ? "Marketing" : "Service",
                enabled = true,
                incoming = new { protocol = "Pop3", host = "mail.example.com", tls = "None", account = $"user{i}", password = $"pw{i}" },
                pollInterval = "00:05:00",
            },
        }).ToList<object>();
        // A Marketing mailbox reading a Service mailbox's account: refused, the rest still imported.
        entries.Add(new
        {
            name = "clash",
            settings = new { type = "Marketing", enabled = true, incoming = new { protocol = "Pop3", host = "mail.example.com", account = "user1", password = "x" } },
        });
        var file = dir.File("import.json");
        await File.WriteAllTextAsync(file, JsonSerializer.Serialize(entries));

        var import = await cli.Run("mailbox", "import", file, "--json");
        Assert.Equal(4, import.ExitCode);
        var summary = JsonDocument.Parse(import.Stdout).RootElement;
        Assert.Equal(300, summary.GetProperty("imported").GetInt32());
        Assert.Equal("clash", summary.GetProperty("failed")[0].GetProperty("name").GetString());
        Assert.Contains("clash", import.Stderr);

        var list = JsonDocument.Parse(await cli.Ok("mailbox", "list", "--limit", "50", "--json")).RootElement;
        Assert.Equal(300, list.GetProperty("total").GetInt32());
        Assert.Equal(50, list.GetProperty("items").GetArrayLength());
        Assert.Equal("box-049", list.GetProperty("next").GetString());

        var all = JsonDocument.Parse(await cli.Ok("mailbox", "list", "--all", "--json")).RootElement;
        Assert.Equal(300, all.GetProperty("items").GetArrayLength());

        var export = JsonDocument.Parse(await cli.Ok("mailbox", "export")).RootElement;
        Assert.Equal(300, export.GetArrayLength());
        Assert.Equal("********", export[7].GetProperty("settings").GetProperty("incoming").GetProperty("password").GetString());

        // Re-importing an export with secrets into another tenant reproduces the mailboxes, passwords included.
        var secretsFile = dir.File("export.json");
        await cli.Ok("mailbox", "export", "--include-secrets", "--output", secretsFile);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(secretsFile));
        }

        var other = fixture.Cli(NewTenant());
        Assert.Contains("\"imported\": 300", await other.Ok("mailbox", "import", secretsFile, "--json"));
        var copy = JsonDocument.Parse(await other.Ok("mailbox", "export", "--include-secrets")).RootElement;
        Assert.Equal("pw7", copy[7].GetProperty("settings").GetProperty("incoming").GetProperty("password").GetString());
    }

    [Fact]
    public async Task Import_reads_standard_input_when_the_file_is_a_dash()
    {
        var cli = fixture.Cli(NewTenant());
        var json = JsonSerializer.Serialize(new[]
        {
            new { name = "piped", settings = new { type = "Service", incoming = new { protocol = "Pop3", host = "mail.example.com", account = "piped", password = "p" } } },
        });

        var import = await cli.RunWithInput(json, "mailbox", "import", "-", "--json");
        Assert.True(import.ExitCode == 0, import.ToString());
        Assert.Equal(1, JsonDocument.Parse(import.Stdout).RootElement.GetProperty("imported").GetInt32());
        Assert.Contains("piped", await cli.Ok("mailbox", "list"));

        // What goes wrong is told against the name the user gave.
        var broken = await cli.RunWithInput("not json", "mailbox", "import", "-");
        Assert.NotEqual(0, broken.ExitCode);
        Assert.Contains("-: not a JSON array", broken.Stderr);
    }

    [Fact]
    public async Task Status_of_all_mailboxes_is_a_table()
    {
        var cli = fixture.Cli(NewTenant());
        await cli.Ok("mailbox", "add", "a", "--type", "service", "--host", "mail.example.com", "--account", "a", "--password", "p", "--enable");
        await cli.Ok("mailbox", "add", "b", "--type", "service", "--host", "mail.example.com", "--account", "b", "--password", "p");
        var table = await cli.Ok("mailbox", "status");
        Assert.Contains("Scheduled", table);
        Assert.Contains("Idle", table);
    }
}
