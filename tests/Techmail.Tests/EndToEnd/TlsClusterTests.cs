using Npgsql;
using Techmail.Tests.Support;

namespace Techmail.Tests.EndToEnd;

/// <summary>Two silo processes on PostgreSQL that speak to each other and to the CLI only over TLS.</summary>
public sealed class TlsClusterTests
{
    [Fact]
    public async Task Two_tls_silos_form_a_cluster_that_serves_through_either_gateway_and_keep_out_a_silo_of_another_ca()
    {
        var connection = await (await PostgresServer.Instance).CreateDatabase();
        using var files = new TempDirectory("techmail-tls");
        using var dataA = new TempDirectory("techmail-silo-a");
        using var dataB = new TempDirectory("techmail-silo-b");
        using var dataRogue = new TempDirectory("techmail-silo-rogue");
        var certificates = TestCertificates.Create(files.Path);
        string[] cluster = ["--storage", "PostgreSql", "--connection", connection, .. TestKeyRing.SiloArgs];
        await using var siloA = await SiloProcess.Start(dataA.Path, extraArgs: [.. cluster, .. certificates.SiloArgs]);
        await using var siloB = await SiloProcess.Start(dataB.Path, extraArgs: [.. cluster, .. certificates.SiloArgs]);
        Assert.Equal(2, await ActiveSilos(connection));

        // Grains land on either silo, so some calls through B's gateway are served by A over silo-to-silo TLS.
        var admin = certificates.ClientArgs(certificates.Admin);
        var throughA = new Cli(siloA.Gateway, "tlscluster");
        var throughB = new Cli(siloB.Gateway, "tlscluster");
        for (var m = 0; m < 8; m++)
        {
            await throughA.Ok(["mailbox", "add", $"box{m}", "--type", "service", .. admin]);
        }

        for (var m = 0; m < 8; m++)
        {
            Assert.Contains($"box{m}", await throughB.Ok(["mailbox", "show", $"box{m}", .. admin]));
        }

        // A silo whose certificate another CA issued never joins: the members refuse it and it refuses them.
        string[] rogueTls = [$"--Techmail:TlsCertificate={certificates.RogueSilo}", $"--Techmail:TlsClientCa={certificates.RogueCa}"];
        await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await using var rogue = await SiloProcess.Start(dataRogue.Path, extraArgs: [.. cluster, .. rogueTls]);
        });
        Assert.Contains("TLS peer refused: CN=rogue-silo", siloA.Output + siloB.Output);
        Assert.Equal(2, await ActiveSilos(connection));
        Assert.Contains("box0", await throughB.Ok(["mailbox", "list", .. admin]));
    }

    private static async Task<long> ActiveSilos(string connection)
    {
        await using var db = new NpgsqlConnection(connection);
        await db.OpenAsync();
        // Status 3 is Active: a silo gets there only after the others answered its probes.
        await using var command = new NpgsqlCommand("SELECT COUNT(*) FROM orleansmembershiptable WHERE status = 3", db);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
