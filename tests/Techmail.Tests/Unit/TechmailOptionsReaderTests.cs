using Microsoft.Extensions.Configuration;
using Techmail.Hosting;
using Techmail.Polling;
using Techmail.Storage;

namespace Techmail.Tests.Unit;

public sealed class TechmailOptionsReaderTests
{
    private static (TechmailOptions Options, IReadOnlyList<string> Errors) Read(params (string Key, string Value)[] values) =>
        TechmailOptionsReader.Read(new ConfigurationBuilder()
            .AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value)))
            .Build());

    [Fact]
    public void No_configuration_means_the_embedded_default()
    {
        var (options, errors) = Read();
        Assert.Empty(errors);
        Assert.Equal(StorageKind.Sqlite, options.Storage);
        Assert.Equal(Path.GetFullPath("data"), options.FullDataDirectory);
        Assert.Equal(30000, options.GatewayPort);
        Assert.Equal(8080, options.HttpPort);
        Assert.Equal("127.0.0.1", options.HttpAddress.ToString());
        Assert.False(options.Dashboard);
        Assert.Equal(LogFormat.Text, options.LogFormat);
    }

    [Fact]
    public void The_http_endpoint_settings_are_read()
    {
        var (options, errors) = Read(
            ("Techmail:HttpPort", "9091"),
            ("Techmail:HttpAddress", "0.0.0.0"),
            ("Techmail:Dashboard", "true"),
            ("Techmail:LogFormat", "json"),
            ("Techmail:TraceSampleRatio", "0.25"));
        Assert.Empty(errors);
        Assert.Equal(9091, options.HttpPort);
        Assert.Equal("0.0.0.0", options.HttpAddress.ToString());
        Assert.True(options.Dashboard);
        Assert.Equal(LogFormat.Json, options.LogFormat);
        Assert.Equal(0.25, options.TraceSampleRatio);
    }

    [Fact]
    public void The_http_port_must_not_take_a_cluster_port() =>
        Assert.Contains(Read(("Techmail:HttpPort", "30000")).Errors, e => e.StartsWith("Techmail:HttpPort: must differ", StringComparison.Ordinal));

    [Fact]
    public void Every_value_is_read_case_insensitively()
    {
        var (options, errors) = Read(
            ("techmail:storage", "postgresql"),
            ("TECHMAIL:CONNECTIONSTRING", "Host=127.0.0.1"),
            ("techmail:KEYRINGKEYFILE", "/etc/techmail/keyring.key"),
            ("Techmail:SiloPort", "12000"),
            ("Techmail:GatewayPort", "31000"),
            ("Techmail:ClusterId", "prod-eu"),
            ("Techmail:AdvertisedAddress", "127.0.0.2"));
        Assert.Empty(errors);
        Assert.Equal(StorageKind.PostgreSql, options.Storage);
        Assert.Equal(12000, options.SiloPort);
        Assert.Equal("prod-eu", options.ClusterId);
        Assert.Equal("127.0.0.2", options.AdvertisedAddress!.ToString());
        Assert.Equal("/etc/techmail/keyring.key", options.KeyRingKeyFile);
    }

    [Fact]
    public void A_cluster_without_a_key_file_for_its_key_ring_is_refused_and_previous_key_files_are_a_list()
    {
        var (_, refused) = Read(("Techmail:Storage", "PostgreSql"), ("Techmail:ConnectionString", "Host=127.0.0.1"));
        Assert.StartsWith("Techmail:KeyRingKeyFile: is required when Storage is PostgreSql", Assert.Single(refused));

        var (options, errors) = Read(("Techmail:KeyRingPreviousKeyFiles", "old-1.key, /keys/old-2.key"));
        Assert.Empty(errors);
        Assert.Equal(["old-1.key", "/keys/old-2.key"], options.KeyRingPreviousKeyFiles);
    }

    [Theory]
    [InlineData("Techmail:SiloPort", "abc")]
    [InlineData("Techmail:SiloPort", "-5")]
    [InlineData("Techmail:GatewayPort", "65536")]
    [InlineData("Techmail:Storage", "1")]
    [InlineData("Techmail:Storage", "Mongo")]
    [InlineData("Techmail:ClusterId", "has space")]
    [InlineData("Techmail:AdvertisedAddress", "example.com")]
    [InlineData("Techmail:DataDirectory", "")]
    [InlineData("Techmail:HttpPort", "0")]
    [InlineData("Techmail:HttpAddress", "localhost")]
    [InlineData("Techmail:Dashboard", "yes")]
    [InlineData("Techmail:LogFormat", "1")]
    [InlineData("Techmail:LogFormat", "xml")]
    [InlineData("Techmail:TraceSampleRatio", "1.5")]
    [InlineData("Techmail:Unknown", "x")]
    [InlineData("Techmail:MemoryBudgetMegabytes", "8")]
    [InlineData("Techmail:MemoryBudgetMegabytes", "lots")]
    [InlineData("Techmail:SentBodyRetentionDays", "0")]
    [InlineData("Techmail:DroppedQuarantineRetentionDays", "3651")]
    [InlineData("Techmail:RemovedMailboxRetentionDays", "1.5")]
    public void A_bad_value_names_its_key(string key, string value)
    {
        var (_, errors) = Read((key, value));
        Assert.Contains(errors, e => e.StartsWith(key + ":", StringComparison.Ordinal));
    }

    [Fact]
    public void The_reply_marker_is_off_unless_asked_for()
    {
        Assert.False(Read().Options.Incidents.ReplyMarker);
        var (options, errors) = Read(("Techmail:ReplyMarker", "true"));
        Assert.Empty(errors);
        Assert.True(options.Incidents.ReplyMarker);
        Assert.Contains(Read(("Techmail:ReplyMarker", "sometimes")).Errors, e => e.StartsWith("Techmail:ReplyMarker:", StringComparison.Ordinal));
    }

    [Fact]
    public void Poll_limits_and_the_duplicate_window_are_read_and_bounded()
    {
        var (options, errors) = Read(("Techmail:PollStepSeconds", "30"), ("Techmail:PollBudgetMinutes", "5"), ("Techmail:DuplicateWindowHours", "0"));
        Assert.Empty(errors);
        Assert.Equal(TimeSpan.FromSeconds(30), options.Polling.StepTimeout);
        Assert.Equal(TimeSpan.FromMinutes(5), options.Polling.PollBudget);
        Assert.Equal(TimeSpan.Zero, options.Incidents.DuplicateWindow);
        Assert.Equal(TimeSpan.FromDays(7), Read().Options.Incidents.DuplicateWindow);
        Assert.Contains(Read(("Techmail:PollStepSeconds", "1")).Errors, e => e.StartsWith("Techmail:PollStepSeconds:", StringComparison.Ordinal));
        Assert.Contains(Read(("Techmail:DuplicateWindowHours", "-1")).Errors, e => e.StartsWith("Techmail:DuplicateWindowHours:", StringComparison.Ordinal));
    }

    [Fact]
    public void The_imap_pool_has_defaults_and_is_read_and_bounded()
    {
        Assert.Equal(new ImapPoolOptions(), Read().Options.ImapPool);
        var (options, errors) = Read(("Techmail:ImapPoolMaxConnections", "0"), ("Techmail:ImapPoolMaxPerAccount", "5"), ("Techmail:ImapPoolIdleSeconds", "240"));
        Assert.Empty(errors);
        Assert.Equal(0, options.ImapPool.MaxConnections);
        Assert.Equal(5, options.ImapPool.MaxPerAccount);
        Assert.Equal(TimeSpan.FromSeconds(240), options.ImapPool.IdleTimeout);
        Assert.Contains(Read(("Techmail:ImapPoolIdleSeconds", "1800")).Errors, e => e.StartsWith("Techmail:ImapPoolIdleSeconds:", StringComparison.Ordinal));
        Assert.Contains(Read(("Techmail:ImapPoolMaxPerAccount", "0")).Errors, e => e.StartsWith("Techmail:ImapPoolMaxPerAccount:", StringComparison.Ordinal));
    }

    [Fact]
    public void Memory_budget_and_retention_have_defaults_and_are_read_in_their_units()
    {
        var defaults = Read().Options;
        Assert.Equal(256L << 20, defaults.MemoryBudgetBytes);
        Assert.Equal(TimeSpan.FromDays(7), defaults.Retention.SentBodies);
        Assert.Equal(TimeSpan.FromDays(30), defaults.Retention.DroppedQuarantine);
        Assert.Equal(TimeSpan.FromDays(30), defaults.Retention.RemovedMailboxes);

        var (options, errors) = Read(
            ("Techmail:MemoryBudgetMegabytes", "64"),
            ("Techmail:SentBodyRetentionDays", "2"),
            ("Techmail:DroppedQuarantineRetentionDays", "14"),
            ("Techmail:RemovedMailboxRetentionDays", "90"));
        Assert.Empty(errors);
        Assert.Equal(64L << 20, options.MemoryBudgetBytes);
        Assert.Equal(TimeSpan.FromDays(2), options.Retention.SentBodies);
        Assert.Equal(TimeSpan.FromDays(14), options.Retention.DroppedQuarantine);
        Assert.Equal(TimeSpan.FromDays(90), options.Retention.RemovedMailboxes);
    }

    [Fact]
    public void An_unknown_key_is_refused_from_a_settings_file_too_with_the_key_it_most_likely_meant()
    {
        var json = """{ "Techmail": { "DataDirectory": "data", "PollBatchSise": 10, "Nested": { "Key": "x" } }, "Logging": { "LogLevel": { "Default": "Debug" } } }""";
        var configuration = new ConfigurationBuilder().AddJsonStream(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(json))).Build();

        var (_, errors) = TechmailOptionsReader.Read(configuration);

        Assert.Equal(2, errors.Count);
        Assert.StartsWith("Techmail:Nested: unknown setting.", errors[0]);
        Assert.StartsWith("Techmail:PollBatchSise: unknown setting. Did you mean Techmail:PollBatchSize?", errors[1]);
    }

    [Fact]
    public void Same_silo_and_gateway_port_is_refused() =>
        Assert.Contains(Read(("Techmail:SiloPort", "30000")).Errors, e => e.Contains("GatewayPort"));

    [Fact]
    public void The_gateway_listens_on_loopback_unless_told_and_elsewhere_only_with_tls()
    {
        Assert.Equal(System.Net.IPAddress.Loopback, Read().Options.GatewayAddress);
        Assert.Empty(Read(("Techmail:GatewayAddress", "127.0.0.1")).Errors);
        Assert.Equal(
            "Techmail:GatewayAddress: 10.0.0.5 would open the gateway to the network without TLS; turn TLS on (Techmail:TlsCertificate and TlsClientCa) or leave the gateway on 127.0.0.1.",
            Assert.Single(Read(("Techmail:GatewayAddress", "10.0.0.5")).Errors));
        Assert.Contains("is not an IP address", Assert.Single(Read(("Techmail:GatewayAddress", "anywhere")).Errors));
    }

    [Fact]
    public void Session_limits_default_to_the_providers_rules_and_each_host_can_be_set()
    {
        var (defaults, none) = Read();
        Assert.Empty(none);
        Assert.Equal(new Techmail.Polling.HostSessionLimits(2, 16, 256, 15), defaults.Polling.ForHost("IMAP.GMAIL.COM"));
        Assert.Equal(20, defaults.Polling.ForHost("outlook.office365.com").PerAccount);
        Assert.Equal(new Techmail.Polling.HostSessionLimits(2, 16, 256, 5), defaults.Polling.ForHost("mail.example.com"));
        Assert.Equal(512, defaults.Polling.MaxConcurrentPolls);

        var (options, errors) = Read(
            ("Techmail:MaxSessionsPerHost", "64"),
            ("Techmail:MinSessionsPerHost", "4"),
            ("Techmail:SessionsPerAccount", "3"),
            ("Techmail:HostLimits", "mail.example.com account=1 floor=1 ceiling=8, imap.gmail.com ceiling=30"));
        Assert.Empty(errors);
        Assert.Equal(new Techmail.Polling.HostSessionLimits(1, 8, 8, 1), options.Polling.ForHost("mail.example.com"));
        // A provider's entry keeps what the configured one does not name.
        Assert.Equal(new Techmail.Polling.HostSessionLimits(4, 16, 30, 15), options.Polling.ForHost("imap.gmail.com"));
        Assert.Equal(new Techmail.Polling.HostSessionLimits(4, 16, 64, 3), options.Polling.ForHost("other.example.com"));
    }

    [Theory]
    [InlineData("Techmail:HostLimits", "mail.example.com", "names no setting")]
    [InlineData("Techmail:HostLimits", "mail.example.com acount=2", "'acount' (for mail.example.com) is not a setting")]
    [InlineData("Techmail:HostLimits", "mail.example.com account=0", "must be account=N, floor=N or ceiling=N")]
    [InlineData("Techmail:HostLimits", "mail.example.com floor=9 ceiling=3", "floor (9) is above its ceiling (3)")]
    [InlineData("Techmail:HostLimits", "account=3", "must start with a host name")]
    [InlineData("Techmail:MinSessionsPerHost", "500", "above MaxSessionsPerHost (256)")]
    [InlineData("Techmail:SessionsPerAccount", "0", "whole number from 1")]
    public void A_bad_session_limit_names_the_key_and_what_is_wrong(string key, string value, string expected)
    {
        var (_, errors) = Read((key, value));
        var error = Assert.Single(errors);
        Assert.StartsWith(key + ":", error);
        Assert.Contains(expected, error);
    }
}
