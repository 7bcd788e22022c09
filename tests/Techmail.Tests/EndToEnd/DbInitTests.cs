using Npgsql;
using Techmail.Tests.Support;

namespace Techmail.Tests.EndToEnd;

public sealed class DbInitTests
{
    [Fact]
    public async Task Db_init_prepares_a_postgresql_database_and_can_run_again()
    {
        var connection = await (await PostgresServer.Instance).CreateDatabase();
        var cli = new Cli("127.0.0.1:1");

        var first = await cli.Run("db", "init", "--connection", connection);
        var again = await cli.Run("db", "init", "--connection", connection);

        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.True(again.ExitCode == 0, again.ToString());
        await using var db = new NpgsqlConnection(connection);
        await db.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_name IN ('orleansquery', 'orleansstorage', 'orleansreminderstable', 'orleansmembershiptable', 'techmail_message_trace', 'techmail_dataprotection_keys')", db);
        Assert.Equal(6L, await command.ExecuteScalarAsync());
        await using var queries = new NpgsqlCommand("SELECT COUNT(*) FROM orleansquery", db);
        // 9 membership, 4 grain storage and 7 reminder queries.
        Assert.Equal(20L, await queries.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Db_init_against_a_dead_server_says_so_in_one_line()
    {
        var result = await new Cli("127.0.0.1:1").Run("db", "init", "--connection", $"Host=127.0.0.1;Port={FreePort.Next()};Username=postgres;Database=x;Timeout=3");
        Assert.Equal(3, result.ExitCode);
        Assert.StartsWith("techmail: cannot prepare the PostgreSql database:", result.Stderr.Trim());
    }
}
