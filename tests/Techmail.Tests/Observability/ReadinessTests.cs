using System.Net;
using System.Text.Json;
using Techmail.Tests.Support;

namespace Techmail.Tests.Observability;

/// <summary>/healthz and /readyz of silo processes, on SQLite and on a PostgreSQL that is stopped under the silo.</summary>
public sealed class ReadinessTests
{
    [Fact]
    public async Task A_fresh_embedded_silo_is_alive_and_ready()
    {
        using var data = new TempDirectory("techmail-ready");
        await using var silo = await SiloProcess.Start(data.Path);
        using var http = new HttpClient { BaseAddress = silo.Http };

        var alive = await http.GetAsync("healthz");
        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
        var ready = await Answer(http);
        Assert.Equal(HttpStatusCode.OK, ready.Status);
        Assert.Equal("ready", ready.Body.GetProperty("status").GetString());
        Assert.Equal(["silo", "database", "schema"], ready.Body.GetProperty("checks").EnumerateArray().Select(c => c.GetProperty("check").GetString()));
        Assert.Equal(0, ready.Body.GetProperty("problems").GetArrayLength());
    }

    [Fact]
    public async Task Readyz_turns_503_naming_the_database_while_PostgreSQL_is_down_and_200_when_it_is_back()
    {
        var postgres = await PostgresServer.StartDedicated();
        var connection = await postgres.CreateDatabase();
        using var data = new TempDirectory("techmail-ready-pg");
        await using var silo = await SiloProcess.Start(data.Path, extraArgs: ["--storage", "PostgreSql", "--connection", connection, .. TestKeyRing.SiloArgs]);
        using var http = new HttpClient { BaseAddress = silo.Http, Timeout = TimeSpan.FromSeconds(20) };
        Assert.Equal(HttpStatusCode.OK, (await Answer(http)).Status);

        await postgres.Halt();
        var down = await Until(http, a => a.Status == HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(10));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, down.Status);
        Assert.Equal("not ready", down.Body.GetProperty("status").GetString());
        var problem = Assert.Single(down.Body.GetProperty("problems").EnumerateArray(), p => p.GetString()!.StartsWith("database:", StringComparison.Ordinal));
        Assert.Contains("PostgreSql database does not answer", problem.GetString());
        // Alive all the while: an orchestrator must not restart a silo for its database's outage.
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("healthz")).StatusCode);

        await postgres.Resume();
        var back = await Until(http, a => a.Status == HttpStatusCode.OK, TimeSpan.FromSeconds(60));
        Assert.Equal(HttpStatusCode.OK, back.Status);
        Assert.False(silo.HasExited);
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> Answer(HttpClient http)
    {
        using var response = await http.GetAsync("readyz");
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> Until(HttpClient http, Func<(HttpStatusCode Status, JsonElement Body), bool> condition, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            var answer = await Answer(http);
            if (condition(answer) || DateTime.UtcNow > deadline)
            {
                return answer;
            }

            await Task.Delay(200);
        }
    }
}
