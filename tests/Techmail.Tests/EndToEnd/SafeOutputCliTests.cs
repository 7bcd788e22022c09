using System.Text.Json;
using MimeKit;
using Techmail.Tests.Support;

namespace Techmail.Tests.EndToEnd;

/// <summary>
/// What the client prints cannot drive the terminal, and a secrets export is owner-only even over an existing file
/// (issue 17, item 11): the real client against a silo process, with mail taken from a real Dovecot.
/// </summary>
public sealed class SafeOutputCliTests(SiloProcessFixture fixture) : IClassFixture<SiloProcessFixture>
{
    [Fact]
    public async Task Escape_sequences_in_a_customers_mail_are_shown_harmless_by_incident_show()
    {
        await using var dovecot = await DovecotServer.Start();
        await using var smtp = await SmtpSink.Start();
        dovecot.AddUser("escapes", "escapes-password");
        var cli = fixture.Cli("escapes");
        await cli.Ok("mailbox", "add", "support", "--type", "service", "--host", "127.0.0.1", "--port", dovecot.Pop3Port.ToString(),
            "--tls", "none", "--allow-plaintext-password", "--account", "escapes", "--password", "escapes-password",
            "--envelope-from", "techmail@example.com", "--friendly-from", "support@example.com",
            "--smtp-host", "127.0.0.1", "--smtp-port", smtp.Port.ToString(), "--smtp-tls", "none", "--enable");
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("Ann Example", "ann@customer.example"));
        message.To.Add(MailboxAddress.Parse("support@example.com"));
        // Headers reach the thread on one line without control characters already (intake's doing); the body keeps them.
        message.Subject = "Refund now";
        message.MessageId = MimeKit.Utils.MimeUtils.GenerateMessageId("customer.example");
        // Clear the screen, set the window title, recolour.
        message.Body = new TextPart("plain") { Text = "Hello\u001b[2J\u001b]0;owned\u0007 there.\nBye\tnow, \u001b[31mred.\n", ContentTransferEncoding = ContentEncoding.QuotedPrintable };
        dovecot.Deliver("escapes", TestMail.ToBytes(message));
        await cli.Ok("mailbox", "poll", "support", "--until-built");
        var reference = JsonDocument.Parse(await cli.Ok("incident", "list", "--json")).RootElement
            .GetProperty("incidents")[0].GetProperty("reference").GetString()!;

        var shown = await cli.Run("incident", "show", reference);

        Assert.Equal(0, shown.ExitCode);
        Assert.DoesNotContain(shown.Stdout, c => c < ' ' && c is not '\n' and not '\t');
        Assert.Contains("Hello\u241b[2J\u241b]0;owned\u2407 there.\nBye\tnow, \u241b[31mred.", shown.Stdout);
        Assert.Contains("Refund now", shown.Stdout);

        // JSON keeps the text exact, escaped as JSON escapes it: a script gets what the customer sent.
        var json = await cli.Ok("incident", "show", reference, "--json");
        Assert.DoesNotContain('\u001b', json);
        Assert.Contains("Hello\u001b[2J", JsonDocument.Parse(json).RootElement.GetProperty("thread")[0].GetProperty("body").GetString());
    }

    [Fact]
    public async Task A_secrets_export_over_an_existing_world_readable_file_leaves_it_owner_only()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        using var dir = new TempDirectory("techmail-export-mode");
        var cli = fixture.Cli("exportmode");
        await cli.Ok("mailbox", "add", "secretive", "--type", "service", "--host", "pop.example.com", "--tls", "ssl",
            "--account", "secretive", "--password", "the-password");
        var file = dir.File("mailboxes.json");
        await File.WriteAllTextAsync(file, "an older export, and much longer than the new one will be " + new string('x', 5000));
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        await cli.Ok("mailbox", "export", "--include-secrets", "--output", file);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        var exported = JsonDocument.Parse(await File.ReadAllTextAsync(file)).RootElement;
        Assert.Equal("the-password", exported[0].GetProperty("settings").GetProperty("incoming").GetProperty("password").GetString());

        // Through a symbolic link the secrets would land wherever it points: refused, and the link's target untouched.
        var target = dir.File("elsewhere.txt");
        await File.WriteAllTextAsync(target, "not yours");
        var link = dir.File("link.json");
        File.CreateSymbolicLink(link, target);
        var refused = await cli.Run("mailbox", "export", "--include-secrets", "--output", link);
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("is a symbolic link", refused.Stderr);
        Assert.Equal("not yours", await File.ReadAllTextAsync(target));
    }
}
