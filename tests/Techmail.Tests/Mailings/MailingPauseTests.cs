using System.Text.Json;
using Techmail.Mailings;
using Techmail.Tests.Support;
using static Techmail.Tests.Mailings.MailingCommands;

namespace Techmail.Tests.Mailings;

/// <summary>
/// Pause and resume of a paced mailing through the real client, a real silo process and the real SMTP sink as relay:
/// once paused, only what was already handed to the outbox still goes, nothing more over a while, and after the
/// resume every recipient gets exactly one mail.
/// </summary>
public sealed class MailingPauseTests
{
    private const int Recipients = 60;
    private const int Rate = 120;

    [Fact]
    public async Task A_paused_mailing_sends_only_what_the_outbox_held_and_after_resume_everyone_gets_one_mail()
    {
        await using var smtp = await SmtpSink.Start();
        using var data = new TempDirectory("techmail-mailing-pause");
        using var files = new TempDirectory("techmail-mailing-pause-files");
        await using var silo = await SiloProcess.Start(data.Path);
        var cli = new Cli(silo.Gateway);
        await cli.Ok("mailbox", "add", "news", "--type", "marketing", "--no-incoming", "--envelope-from", "bounces@example.com",
            "--smtp-host", "127.0.0.1", "--smtp-port", smtp.Port.ToString(), "--smtp-tls", "none", "--enable");
        var message = files.File("note.eml");
        await File.WriteAllTextAsync(message, "Subject: A note\r\nContent-Type: text/plain\r\n\r\nHello {email}.\r\n");
        string[] everyone = [.. Enumerable.Range(0, Recipients).Select(i => $"q{i:00}@example.net")];
        var list = files.File("list.txt");
        await File.WriteAllTextAsync(list, string.Join('\n', everyone));
        // Two a second: the whole list would take half a minute.
        var id = await Send(cli, "news", list, message, "paced", "--rate", Rate.ToString());
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (smtp.Count < 4 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        // The pause must land mid-send, or the checks below would hold for a mailing that never started.
        Assert.True(smtp.Count >= 4, $"only {smtp.Count} mails went out within 60 s");
        var paused = JsonDocument.Parse(await cli.Ok("mailing", "pause", id, "--json")).RootElement;
        Assert.Equal("Paused", paused.GetProperty("state").GetString());

        // What the outbox held at the pause still goes; then nothing more, over several seconds in which the pace would
        // have sent about ten.
        var drained = await Until(cli, id, r => r.GetProperty("queued").GetInt64() == 0);
        var afterPause = smtp.Count;
        await Task.Delay(TimeSpan.FromSeconds(5));
        Assert.Equal(afterPause, smtp.Count);
        var still = await Report(cli, id);
        Assert.Equal("Paused", still.GetProperty("mailing").GetProperty("state").GetString());
        Assert.Equal(afterPause, still.GetProperty("sent").GetInt64());
        Assert.True(still.GetProperty("pending").GetInt64() > 0, still.ToString());
        // The documented bound: what was sent or queued when the pause answered, plus at most the one slice a tick was
        // queuing at that moment, which the pace keeps to five seconds of its rate.
        var bound = paused.GetProperty("sent").GetInt64() + paused.GetProperty("queued").GetInt64() + (long)MailingPace.MaxSaved(Rate);
        Assert.True(afterPause <= bound, $"{afterPause} sent after the pause, more than {bound}: {drained}");

        var resumed = JsonDocument.Parse(await cli.Ok("mailing", "resume", id, "--json")).RootElement;
        Assert.Equal("Sending", resumed.GetProperty("state").GetString());
        var done = await Until(cli, id, r => Finished(r));
        Assert.Equal(Recipients, done.GetProperty("sent").GetInt64());
        Assert.Equal(Recipients, smtp.Count);
        Assert.All(everyone, a => Assert.Equal(1, smtp.CountTo(a)));
    }
}
