using System.Text.Json;
using Techmail.Client;
using Techmail.Tests.Certificates;
using Techmail.Tests.Support;

namespace Techmail.Tests.EndToEnd;

/// <summary>
/// docs/json.md against the real thing: every command's <c>--json</c> output, printed by the real client against a
/// silo process with a real Dovecot and SMTP server behind it, has exactly the property names the document's example
/// of it has, at every level.
/// </summary>
public sealed class JsonDocumentationTests(SiloProcessFixture fixture) : IClassFixture<SiloProcessFixture>
{
    private static readonly TestPki Pki = TestPki.Instance;

    private readonly List<string> _problems = [];
    private readonly HashSet<string> _checked = new(StringComparer.Ordinal);
    private readonly JsonShapeDocument _document = JsonShapeDocument.Read(Path.Combine(RepoPaths.Root, "docs", "json.md"));

    [Fact]
    public async Task Every_json_output_of_the_client_has_the_shape_docs_json_md_gives_it()
    {
        await using var dovecot = await DovecotServer.Start();
        await using var smtp = await SmtpSink.Start();
        using var dir = new TempDirectory("techmail-json-doc");
        dovecot.AddUser("helpdesk", "helpdesk-password");
        dovecot.AddUser("returns", "returns-password");
        var cli = fixture.Cli("jsondoc");

        await Check(cli, "status", "status", "--json");

        // A Service mailbox with every group of settings, and one with OAuth, server trust and S/MIME.
        string[] support =
        [
            "support", "--type", "service", "--host", "127.0.0.1", "--port", dovecot.Pop3Port.ToString(), "--tls", "none", "--allow-plaintext-password",
            "--account", "helpdesk", "--password", "helpdesk-password", "--auth", "plain",
            "--envelope-from", "techmail@example.com", "--friendly-from", "support@example.com", "--reply-to", "reply@example.com", "--display-name", "Example Support",
            "--smtp-host", "127.0.0.1", "--smtp-port", smtp.Port.ToString(), "--smtp-tls", "none", "--smtp-user", "relay", "--smtp-password", "relay-password",
            "--smtp-allow-plaintext-password", "--smtp-auth", "plain",
            "--discard", "spam=header:X-Spam-Flag:equals:YES", "--max-attachment-size", "10MB", "--max-message-size", "20MB", "--block-type", ".exe",
            "--reject-forward", "postmaster@example.com", "--poll-interval", "2m", "--json",
        ];
        await Check(cli, "mailbox add", ["mailbox", "add", .. support]);
        await File.WriteAllTextAsync(dir.File("secret.txt"), "client-secret\n");
        await File.WriteAllTextAsync(dir.File("ca.pem"), TestPki.Pem(Pki.Ca).Select(b => (char)b).ToArray());
        await Check(cli, "mailbox add", "mailbox", "add", "full", "--type", "service", "--protocol", "imap", "--host", "imap.example.com", "--tls", "ssl",
            "--account", "full@example.com", "--oauth-token-url", "https://login.example.com/token", "--oauth-client-id", "techmail",
            "--oauth-client-secret-file", dir.File("secret.txt"), "--oauth-scope", "mail", "--processed-folder", "Done", "--push", "true",
            "--trust-ca", dir.File("ca.pem"), "--pin-sha256", new string('a', 64),
            "--envelope-from", "full@example.com", "--smtp-host", "smtp.example.com", "--smtp-user", "full@example.com",
            "--smtp-oauth-token-url", "https://login.example.com/token", "--smtp-oauth-client-id", "techmail", "--smtp-oauth-client-secret-file", dir.File("secret.txt"),
            "--smime-sign", "true", "--smime-encrypt", "when-known", "--allow-type", "image/*", "--trust-authserv-id", "mx.example.com", "--allow-any-reply-to", "true", "--json");
        await Check(cli, "mailbox update", "mailbox", "update", "support", "--poll-interval", "3m", "--json");
        await Check(cli, "mailbox show", "mailbox", "show", "support", "--json");
        await Check(cli, "mailbox show", "mailbox", "show", "full", "--json");
        await Check(cli, "mailbox disable", "mailbox", "disable", "support", "--json");
        await Check(cli, "mailbox enable", "mailbox", "enable", "support", "--json");
        await Check(cli, "mailbox list", "mailbox", "list", "--json");

        // Mail: a customer's question with a file, and something that is not a message at all.
        var message = TestMail.WithAttachment("Printer on fire", "photo.png", "image/png", 2000, from: "ann@customer.example");
        dovecot.Deliver("helpdesk", message);
        dovecot.Deliver("helpdesk", TestMail.Garbage());
        await Check(cli, "mailbox poll", "mailbox", "poll", "support", "--until-built", "--json");
        await smtp.WaitFor(m => m.Message.Subject?.Contains("Printer on fire", StringComparison.Ordinal) == true, TimeSpan.FromSeconds(30));
        await Check(cli, "mailbox status NAME", "mailbox", "status", "support", "--json");
        await Check(cli, "mailbox status", "mailbox", "status", "--json");
        await Check(cli, "mailbox trace", "mailbox", "trace", "support", "--json");
        await Check(cli, "mailbox send", "mailbox", "send", "support", "--to", "customer@example.net", "--json");

        var incidents = await Check(cli, "incident list", "incident", "list", "--json");
        var reference = incidents.GetProperty("incidents")[0].GetProperty("reference").GetString()!;
        await Check(cli, "incident show", "incident", "show", reference, "--json");
        await Check(cli, "incident attachment", "incident", "attachment", reference, "1", "--out", dir.File("photo.png"), "--json");
        await Check(cli, "incident reply", "incident", "reply", reference, "--body", "We are on our way.", "--json");
        await Check(cli, "incident update", "incident", "update", reference, "--status", "solved", "--json");
        await Check(cli, "outbox list", "outbox", "list", "--json");

        var quarantined = await Check(cli, "quarantine list", "quarantine", "list", "--json");
        var id = quarantined[0].GetProperty("id").GetString()!;
        await Check(cli, "quarantine show", "quarantine", "show", id, "--json");
        await Check(cli, "quarantine reprocess", "quarantine", "reprocess", id, "--json");
        await Check(cli, "quarantine drop", "quarantine", "drop", id, "--json");

        // A Marketing mailbox and a hard bounce of mail it sent; the address it names, and a customer's.
        await cli.Ok("mailbox", "add", "returns", "--type", "marketing", "--host", "127.0.0.1", "--port", dovecot.Pop3Port.ToString(),
            "--tls", "none", "--allow-plaintext-password", "--account", "returns", "--password", "returns-password",
            "--envelope-from", "bounces@example.com", "--smtp-host", "127.0.0.1", "--smtp-port", smtp.Port.ToString(), "--smtp-tls", "none",
            "--smtp-user", "relay", "--smtp-password", "relay-password", "--smtp-allow-plaintext-password", "--smtp-auth", "plain", "--enable");
        var newsletter = JsonDocument.Parse(await cli.Ok("mailbox", "send", "returns", "--to", "left@example.net", "--subject", "News", "--json")).RootElement;
        dovecot.Deliver("returns", TestBounces.HardUserUnknown("left@example.net", $"<{newsletter.GetProperty("messageId").GetString()}>"));
        await cli.Ok("mailbox", "poll", "returns", "--until-built");
        await Check(cli, "bounce list", "bounce", "list", "--json");

        // A mailing through the Marketing mailbox, paced to one a minute so it is still sending when paused.
        var mailingList = dir.File("mailing.csv");
        await File.WriteAllTextAsync(mailingList, "email,first\nann@example.net,Ann\nbob@example.net,Bob\n");
        var mailingMessage = dir.File("mailing.eml");
        await File.WriteAllTextAsync(mailingMessage, "Subject: News for {first}\r\nContent-Type: text/plain\r\n\r\nHello {first}.\r\n");
        var mailing = await Check(cli, "mailing send", "mailing", "send", "--mailbox", "returns", "--recipients", mailingList, "--message", mailingMessage, "--rate", "1", "--json");
        var mailingId = mailing.GetProperty("id").GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture);
        await Check(cli, "mailing pause", "mailing", "pause", mailingId, "--json");
        await Check(cli, "mailing resume", "mailing", "resume", mailingId, "--json");
        await Check(cli, "mailing show", "mailing", "show", mailingId, "--recipients", "--json");
        await Check(cli, "mailing list", "mailing", "list", "--json");
        await Check(cli, "mailing cancel", "mailing", "cancel", mailingId, "--json");
        await Check(cli, "contact show", "contact", "show", "left@example.net", "--json");
        await Check(cli, "contact show", "contact", "show", "ann@customer.example", "--json");
        await Check(cli, "contact list", "contact", "list", "--invalid", "--json");
        await Check(cli, "contact revalidate", "contact", "revalidate", "left@example.net", "--json");

        var eml = dir.File("question.eml");
        await File.WriteAllBytesAsync(eml, message);
        var bounceFile = dir.File("bounce.eml");
        await File.WriteAllBytesAsync(bounceFile, TestBounces.HardUserUnknown("gone@example.net"));
        await CheckLines(cli, "message inspect", "message", "inspect", eml, "--json");
        await CheckLines(cli, "bounce classify", "bounce", "classify", bounceFile, eml, "--json");

        var rules = dir.File("rules.json");
        await File.WriteAllTextAsync(rules,
            """
            {"rules": [
              {"name": "fire", "match": "any", "conditions": [{"field": "subject", "op": "contains", "value": "fire"}],
               "actions": {"priority": "high", "addTags": ["urgent"]}}
            ]}
            """);
        await Check(cli, "rules import", "rules", "import", rules, "--json");
        await Check(cli, "rules list", "rules", "list", "--json");
        await Check(cli, "rules test", "rules", "test", eml, "--mailbox", "support", "--json");
        var badRules = dir.File("bad-rules.json");
        await File.WriteAllTextAsync(badRules, """{"rules": [{"name": "x", "conditions": [{"field": "nonsense"}]}]}""");
        await Check(cli, "refused rules", "rules", "import", badRules, "--json");

        File.WriteAllBytes(dir.File("mailbox.p12"), TestPki.Pkcs12(Pki.Mailbox));
        await Check(cli, "cert import", "cert", "import", dir.File("ca.pem"), "--kind", "smime-ca", "--json");
        await Check(cli, "cert import", [TestPki.Password + "\n"], "cert", "import", dir.File("mailbox.p12"), "--password-stdin", "--json");
        File.WriteAllBytes(dir.File("ca.crl"), Pki.Crl);
        await Check(cli, "cert import", "cert", "import", dir.File("ca.crl"), "--kind", "crl", "--json");
        await Check(cli, "cert list", "cert", "list", "--json");
        await Check(cli, "cert show", "cert", "show", Pki.Ca.Thumbprint, "--json");
        await Check(cli, "cert remove", "cert", "remove", Pki.Ca.Thumbprint, "--json");

        await Check(cli, "token create", "token", "create", "--role", "agent", "--name", "jsondoc-agent", "--expires", "90d", "--json");
        await Check(cli, "token list", "token", "list", "--json");
        await Check(cli, "token revoke", "token", "revoke", "jsondoc-agent", "--json");

        // A receiver under the reserved .invalid name: the ping finds no address, and says so in the same shape.
        var webhook = await Check(cli, "webhook add", "webhook", "add", "https://hooks.invalid/techmail", "--event", "incident.created", "--json");
        var webhookId = webhook.GetProperty("webhook").GetProperty("id").GetString()!;
        await Check(cli, "webhook list", "webhook", "list", "--json");
        await Check(cli, "webhook test", "webhook", "test", webhookId, "--json");
        await Check(cli, "webhook remove", "webhook", "remove", webhookId, "--json");

        var export = dir.File("mailboxes.json");
        await Check(cli, "mailbox export", "mailbox", "export", "--json");
        await cli.Ok("mailbox", "export", "--output", export);
        var entries = JsonSerializer.Deserialize<List<JsonElement>>(await File.ReadAllTextAsync(export))!;
        // Another mailbox on support's account cannot be imported: the summary lists it.
        var clash = JsonSerializer.SerializeToElement(new { name = "clash", settings = entries.Single(e => e.GetProperty("name").GetString() == "support").GetProperty("settings") });
        await File.WriteAllTextAsync(export, JsonSerializer.Serialize(entries.Append(clash)));
        await Check(cli, "mailbox import", "mailbox", "import", export, "--json");
        await Check(cli, "mailbox remove", "mailbox", "remove", "full", "--json");
        await Check(cli, "refused mailbox", "mailbox", "add", "bad", "--type", "service", "--host", "mail.example.com", "--port", "70000",
            "--account", "a", "--password", "p", "--json");

        await Check(cli, "audit list", "audit", "list", "--json");
        await Check(cli, "db init", "db", "init", "--storage", "sqlite", "--connection", $"Data Source={dir.File("init.db")}", "--json");

        // A mailbox connected by a person's consent (a tenant of its own, so the status lists above keep grant null):
        // the device flow, approved at the loopback authorization server while the client waits.
        await using (var oauth = OAuthTestServer.Start())
        {
            oauth.AddDelegatedClient("jsondoc-app", secret: null);
            var consent = fixture.Cli("jsondoc-oauth");
            await consent.Ok("mailbox", "add", "consented", "--type", "service", "--protocol", "imap", "--host", "127.0.0.1", "--port", dovecot.ImapPort.ToString(),
                "--tls", "none", "--allow-plaintext-password", "--account", "consented", "--oauth-flow", "delegated", "--oauth-token-url", oauth.TokenUrl,
                "--oauth-client-id", "jsondoc-app", "--oauth-device-url", oauth.DeviceAuthorizationUrl, "--oauth-scope", "mail offline_access openid email");
            var connecting = Check(consent, "mailbox connect", "mailbox", "connect", "consented", "--json");
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while (oauth.UserCodes.Count == 0 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }

            oauth.ApproveDevice(oauth.UserCodes.Single(), "consented");
            await connecting;
        }

        foreach (var command in _document.Commands.Except(_checked))
        {
            _problems.Add($"{command}: in docs/json.md but this test never runs it");
        }

        // Every command that takes --json has its output documented; rules export prints the rules file itself, which
        // docs/rules.md describes (and json.md says so).
        var text = await File.ReadAllTextAsync(Path.Combine(RepoPaths.Root, "docs", "json.md"));
        Assert.Contains("(`rules export`, which prints it with or without `--json`", text);
        var (_, catalog) = TechmailApp.Build();
        foreach (var command in catalog.Commands.Where(c => c.Option("--json") is not null && c.Path != "rules export").Select(c => c.Path))
        {
            if (!_document.Commands.Any(d => d == command || d.StartsWith(command + " ", StringComparison.Ordinal)))
            {
                _problems.Add($"{command}: takes --json but docs/json.md does not show its output");
            }
        }

        Assert.True(_problems.Count == 0, string.Join("\n\n", _problems));
    }

    private Task<JsonElement> Check(Cli cli, string command, params string[] args) => Check(cli, command, [], args);

    /// <param name="stdin">What the command reads from standard input, if anything (one item).</param>
    private async Task<JsonElement> Check(Cli cli, string command, string[] stdin, params string[] args)
    {
        var result = await cli.RunWithInput(stdin.FirstOrDefault(), args);
        Assert.True(result.Stdout.Length > 0, $"techmail {string.Join(' ', args)} printed nothing: {result}");
        _checked.Add(command);
        _problems.AddRange(_document.Compare(command, result.Stdout));
        return JsonDocument.Parse(result.Stdout).RootElement.Clone();
    }

    /// <summary>For commands that print one JSON object per line.</summary>
    private async Task CheckLines(Cli cli, string command, params string[] args)
    {
        var result = await cli.Run(args);
        var lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length > 0, $"techmail {string.Join(' ', args)} printed nothing: {result}");
        _checked.Add(command);
        foreach (var line in lines)
        {
            _problems.AddRange(_document.Compare(command, line));
        }
    }
}
