using Techmail.Hosting;

namespace Techmail.Tests.Unit;

public sealed class SiloCommandLineTests
{
    [Theory]
    [InlineData("--data-dir data1 --silo-port 11112 --gateway-port 30001")]
    [InlineData("--storage PostgreSql --connection Host=127.0.0.1;Database=techmail --key-file /etc/techmail/keyring.key")]
    [InlineData("--Techmail:TlsCertificate=tls/silo1.pem --Techmail:TlsKey=tls/silo1.key")]
    [InlineData("--Techmail:PollBatchSize 10 --data-dir=data")]
    [InlineData("--Logging:LogLevel:Default=Debug")]
    [InlineData("")]
    public void The_readme_switches_pass(string line) =>
        Assert.Empty(SiloCommandLine.Check(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)));

    [Theory]
    [InlineData("--http-port 8080", "--http-port: unknown switch; use --data-dir")]
    [InlineData("--gateway-prt 30001", "--gateway-prt: unknown switch (did you mean --gateway-port?)")]
    [InlineData("--data-dir", "--data-dir: needs a value")]
    [InlineData("--connection --silo-port 5", "--connection: needs a value")]
    [InlineData("data1", "data1: not a switch")]
    [InlineData("-d data1", "-d: unknown switch")]
    [InlineData("/data-dir data1", "/data-dir: unknown switch")]
    [InlineData("--environment Development", "--environment: unknown switch")]
    public void Anything_else_is_refused_with_the_switch_named(string line, string expected)
    {
        var errors = SiloCommandLine.Check(line.Split(' '));
        // One line per mistake: an unknown switch's value is not taken for a second one.
        var error = Assert.Single(errors);
        Assert.StartsWith(expected, error);
    }

    [Fact]
    public void The_switches_the_configuration_reads_are_the_ones_checked() =>
        Assert.Equal(["--data-dir", "--storage", "--connection", "--key-file", "--silo-port", "--gateway-port"], SiloCommandLine.Switches.Keys);
}
