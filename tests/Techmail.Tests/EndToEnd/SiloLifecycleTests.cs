using System.Text.Json;
using Microsoft.Data.Sqlite;
using Techmail.Tests.Support;

namespace Techmail.Tests.EndToEnd;

public sealed class SiloLifecycleTests
{
    [Fact]
    public async Task Restart_keeps_every_mailbox_its_settings_enabled_flag_and_reminder()
    {
        using var data = new TempDirectory("techmail-restart");
        string before;
        await using (var silo = await SiloProcess.Start(data.Path))
        {
            var cli = new Cli(silo.Gateway);
            await cli.Ok("mailbox", "add", "on", "--type", "service", "--host", "mail.example.com", "--account", "on", "--password", "p1",
                "--poll-interval", "3m", "--discard", "n=subject:equals:x", "--enable");
            await cli.Ok("mailbox", "add", "off", "--type", "marketing", "--host", "mail.example.com", "--account", "off", "--password", "p2");
            before = await cli.Ok("mailbox", "export", "--include-secrets");
            await silo.Stop();
            Assert.True(silo.HasExited);
        }

        Assert.Equal(1, await ReminderRows(data.Path, "mailbox/default/on"));
        Assert.Equal(0, await ReminderRows(data.Path, "mailbox/default/off"));

        await using (var silo = await SiloProcess.Start(data.Path))
        {
            var cli = new Cli(silo.Gateway);
            var after = await cli.Ok("mailbox", "export", "--include-secrets");
            Assert.Equal(before, after);
            var on = JsonDocument.Parse(await cli.Ok("mailbox", "show", "on", "--json")).RootElement.GetProperty("settings");
            Assert.True(on.GetProperty("enabled").GetBoolean());
            Assert.Equal("p1", JsonDocument.Parse(after).RootElement[1].GetProperty("settings").GetProperty("incoming").GetProperty("password").GetString());
            var status = JsonDocument.Parse(await cli.Ok("status", "--json")).RootElement;
            Assert.Equal(1, status.GetProperty("enabledMailboxes").GetInt32());
            Assert.True(status.GetProperty("ready").GetBoolean());
        }

        Assert.Equal(1, await ReminderRows(data.Path, "mailbox/default/on"));
    }

    [Fact]
    public async Task A_silo_with_no_enabled_mailbox_says_so_in_its_log_and_status()
    {
        using var data = new TempDirectory("techmail-empty");
        await using var silo = await SiloProcess.Start(data.Path);
        var status = JsonDocument.Parse(await new Cli(silo.Gateway).Ok("status", "--json")).RootElement;

        Assert.False(status.GetProperty("ready").GetBoolean());
        Assert.Contains("nothing can be sent or received", status.GetProperty("message").GetString());
        await Eventually(() => silo.Output.Contains("No mailbox is configured and enabled"));
        Assert.True(File.Exists(Path.Combine(data.Path, "techmail.db")));
    }

    [Theory]
    [InlineData("--Techmail:SiloPort=abc", "Techmail:SiloPort")]
    [InlineData("--Techmail:Storage=Oracle", "Techmail:Storage")]
    [InlineData("--Techmail:DataDirectry=/tmp/x", "Techmail:DataDirectry")]
    [InlineData("--Techmail:Storage=PostgreSql", "Techmail:ConnectionString")]
    public async Task Bad_configuration_stops_the_silo_with_the_key_named(string argument, string key)
    {
        using var data = new TempDirectory("techmail-config");
        var info = ProcessRunner.DotnetRun("Techmail.Silo", ["--data-dir", data.Path, argument]);
        var result = await ProcessRunner.Run(info);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"invalid configuration: {key}", result.Stderr);
    }

    [Theory]
    [InlineData("--metrics-port", "8080")]
    [InlineData("--gateway-prt", "30001")]
    public async Task An_unknown_switch_stops_the_silo_with_the_switch_named(string name, string value)
    {
        using var data = new TempDirectory("techmail-switch");
        var info = ProcessRunner.DotnetRun("Techmail.Silo", ["--data-dir", data.Path, name, value]);
        var result = await ProcessRunner.Run(info);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith($"techmail-silo: invalid configuration: {name}: unknown switch", result.Stderr.Trim());
        Assert.Single(result.Stderr.Trim().Split('\n'));
        Assert.False(File.Exists(Path.Combine(data.Path, "techmail.db")));
    }

    [Fact]
    public async Task An_unknown_key_in_an_environment_variable_stops_the_silo()
    {
        using var data = new TempDirectory("techmail-env-key");
        var info = ProcessRunner.DotnetRun("Techmail.Silo", ["--data-dir", data.Path]);
        info.Environment["TECHMAIL__HTTPPROT"] = "8080";
        var result = await ProcessRunner.Run(info);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("invalid configuration: Techmail:HTTPPROT: unknown setting. Did you mean Techmail:HttpPort?", result.Stderr, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Environment_variables_configure_the_silo_and_are_validated_too()
    {
        using var data = new TempDirectory("techmail-env");
        var info = ProcessRunner.DotnetRun("Techmail.Silo", ["--data-dir", data.Path]);
        info.Environment["TECHMAIL__GATEWAYPORT"] = "0";
        var result = await ProcessRunner.Run(info);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("Techmail:GATEWAYPORT", result.Stderr, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_graceful_stop_during_a_poll_hands_it_off_safely_and_the_next_start_finishes_it()
    {
        const int messages = 3000;
        await using var dovecot = await DovecotServer.Start();
        dovecot.AddUser("graceful", "pw");
        for (var i = 0; i < messages; i++)
        {
            // A sender each, as a support mailbox sees them; one sender's 3,000 would be held as a flood.
            dovecot.Deliver("graceful", TestMail.Simple($"graceful {i}", from: $"customer{i}@example.net", padTo: 1500));
        }

        using var data = new TempDirectory("techmail-graceful");
        var ports = (Silo: FreePort.Next(), Gateway: FreePort.Next());
        string[] smallBatches = ["--Techmail:PollBatchSize=10"];
        await using (var silo = await SiloProcess.Start(data.Path, ports.Silo, ports.Gateway, smallBatches))
        {
            var cli = new Cli(silo.Gateway);
            await cli.Ok("mailbox", "add", "box", "--type", "service", "--host", "127.0.0.1", "--port", dovecot.Pop3Port.ToString(),
                "--tls", "none", "--allow-plaintext-password", "--account", "graceful", "--password", "pw", "--enable");
            await cli.Ok("mailbox", "poll", "box");
            await Eventually(() => Inbound(data.Path).Result > 0);

            // SIGTERM while the poll is running.
            await silo.Stop();
            Assert.True(silo.HasExited);
        }

        // Whatever the poll had not finished stayed on the server; nothing good was quarantined on the way out.
        Assert.True(await Scalar(data.Path, "SELECT COUNT(*) FROM techmail_quarantine") == 0, await Text(data.Path, "SELECT reason FROM techmail_quarantine LIMIT 1"));
        var handedOff = await Inbound(data.Path);
        Assert.True(dovecot.CountMessages("graceful") == 0 || handedOff < messages);

        await using (var silo = await SiloProcess.Start(data.Path, ports.Silo, ports.Gateway, smallBatches))
        {
            await new Cli(silo.Gateway).Ok("mailbox", "poll", "box", "--wait");
        }

        Assert.Equal(0, dovecot.CountMessages("graceful"));
        Assert.Equal((long)messages, await Inbound(data.Path));
        Assert.Equal(0L, await Scalar(data.Path, "SELECT COUNT(*) FROM techmail_quarantine"));
    }

    private static async Task<string> Text(string dataDirectory, string sql) => (await SiloDatabase.Query(dataDirectory, sql))?.ToString() ?? "";

    private static Task<long> Inbound(string dataDirectory) => Scalar(dataDirectory, "SELECT COUNT(*) FROM techmail_inbound");

    private static Task<long> Scalar(string dataDirectory, string sql) => SiloDatabase.Count(dataDirectory, sql);

    private static Task<long> ReminderRows(string dataDirectory, string grainId) =>
        SiloDatabase.Count(dataDirectory, "SELECT COUNT(*) FROM OrleansRemindersTable WHERE GrainId = @id", ("@id", grainId));

    private static async Task Eventually(Func<bool> condition)
    {
        for (var i = 0; i < 100 && !condition(); i++)
        {
            await Task.Delay(100);
        }

        Assert.True(condition());
    }
}
