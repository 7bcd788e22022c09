using System.Net;
using System.Text.Json;
using Techmail.Tests.Support;

namespace Techmail.Tests.Observability;

/// <summary>The dashboard switch and the JSON log of a silo process (who may open the dashboard: <see cref="DashboardSignInTests"/>).</summary>
public sealed class DashboardAndLogTests
{
    [Fact]
    public async Task The_dashboard_is_served_to_an_operator_when_turned_on_and_the_json_log_is_one_object_a_line()
    {
        using var data = new TempDirectory("techmail-dashboard");
        await using var silo = await SiloProcess.Start(data.Path, extraArgs: ["--Techmail:Dashboard=true", "--Techmail:LogFormat=Json"]);
        using var http = new HttpClient { BaseAddress = silo.Http };
        http.DefaultRequestHeaders.Authorization = new("Bearer", (await File.ReadAllTextAsync(silo.OperatorTokenFile)).Trim());

        // The dashboard's own page is /dashboard/ (it redirects /dashboard there, and a client drops the token on a redirect).
        using var dashboard = await http.GetAsync("dashboard/");
        Assert.Equal(HttpStatusCode.OK, dashboard.StatusCode);
        Assert.Contains("html", (await dashboard.Content.ReadAsStringAsync()).ToLowerInvariant());

        var lines = silo.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.NotEmpty(lines);
        var entries = lines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var ready = Assert.Single(entries, e => e.GetProperty("Message").GetString()!.StartsWith("Techmail silo ready", StringComparison.Ordinal));
        Assert.Equal("Information", ready.GetProperty("LogLevel").GetString());
        Assert.Equal(silo.HttpPort.ToString(), ready.GetProperty("State").GetProperty("HttpPort").ToString());
    }

    [Fact]
    public async Task Without_the_setting_there_is_no_dashboard()
    {
        using var data = new TempDirectory("techmail-no-dashboard");
        await using var silo = await SiloProcess.Start(data.Path);
        using var http = new HttpClient { BaseAddress = silo.Http };

        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("dashboard")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("healthz")).StatusCode);
        // Text logs by default: the ready line is plain.
        Assert.Contains("Techmail silo ready: gateway", silo.Output);
    }
}
