using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Console;
using OpenTelemetry.Metrics;
using Orleans.Dashboard;
using Techmail.Hosting;
using Techmail.Observability;
using Techmail.Silo.Connections;
using Techmail.Silo.Http.OpenIdConnect;
using Techmail.Silo.WebConsole;
using Techmail.Silo.Api;

namespace Techmail.Silo.Http;

/// <summary>
/// The silo's HTTP endpoint, served by ASP.NET Core in the silo's own process: health for orchestrators, metrics for
/// Prometheus, (when turned on) the Orleans Dashboard behind the operators' sign-in (<see cref="TokenAuthentication"/>),
/// the web console (<see cref="ConsoleEndpoints"/>) and the HTTP API (<see cref="TechmailApi"/>) behind the same sign-in.
/// </summary>
public static class SiloHttp
{
    public const string Healthz = "/healthz", Readyz = "/readyz", Metrics = "/metrics", Dashboard = "/dashboard";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Kestrel on the configured address and port, the log format, and the telemetry with its Prometheus reader.</summary>
    public static WebApplicationBuilder AddTechmailHttp(this WebApplicationBuilder builder, TechmailOptions options)
    {
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(options.HttpAddress, options.HttpPort));
        builder.Services.AddSingleton<ReadinessCheck>();
        builder.Services.AddTechmailTelemetry(options, metrics => metrics.AddPrometheusExporter());
        builder.Services.AddTechmailSignIn();
        builder.Services.AddTechmailConnections();
        builder.Services.AddTechmailConsole();
        builder.Services.AddTechmailApi();

        // Scopes carry the trace and span ids of the current activity; JSON always has them, text only when traces go somewhere.
        builder.Logging.Configure(o => o.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId);
        if (options.LogFormat == LogFormat.Json)
        {
            builder.Logging.AddJsonConsole(o =>
            {
                o.IncludeScopes = true;
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
                o.JsonWriterOptions = new JsonWriterOptions { Indented = false };
            });
        }
        else
        {
            builder.Logging.AddSimpleConsole(o => o.IncludeScopes = TelemetryRegistration.OtlpConfigured);
        }

        return builder;
    }

    /// <summary>What the silo itself needs for the endpoint: the dashboard's grains and counters, only when it is on.</summary>
    public static ISiloBuilder AddTechmailHttp(this ISiloBuilder silo, TechmailOptions options)
    {
        if (options.Dashboard)
        {
            silo.AddDashboard();
        }

        return silo;
    }

    public static WebApplication MapTechmailHttp(this WebApplication app, TechmailOptions options)
    {
        // Before the endpoints: a page's policy is checked once its endpoint is chosen, before it runs. Then every grain
        // call a request makes is checked for the caller it was verified as (none: refused), never made with the
        // engine's own rights.
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseGrainCallsAsCaller();
        app.UseTechmailConsole();

        // Open, on purpose: orchestrators and Prometheus scrape these without a token, and they show no tenant's data.
        // The address is loopback by default; on any other, a proxy or a network policy decides who reaches them.
        // Alive: the process answers. Nothing else is asked, so a slow database never gets a healthy silo restarted.
        app.MapGet(Healthz, () => Results.Json(new { status = "alive" }, Json));
        app.MapGet(Readyz, async (ReadinessCheck check, CancellationToken cancellationToken) =>
        {
            var readiness = await check.Check(cancellationToken);
            return Results.Json(
                new
                {
                    status = readiness.Ready ? "ready" : "not ready",
                    problems = readiness.Checks.Where(c => !c.Ok).Select(c => $"{c.Check}: {c.Problem}").ToList(),
                    checks = readiness.Checks,
                },
                Json,
                statusCode: readiness.Ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
        });
        app.MapPrometheusScrapingEndpoint(Metrics);
        app.MapTechmailSignIn();
        app.MapTechmailConnections();
        app.MapTechmailOpenIdConnect(app.Services.GetService<OidcSettings>());
        app.MapTechmailApi();
        Mailings.MailingEndpoints.MapMailingUnsubscribe(app);
        if (options.Dashboard)
        {
            // Every tenant's grains are on it: operators only, signed in through the page or with a bearer token.
            app.MapOrleansDashboard(Dashboard).RequireAuthorization(TokenAuthentication.Operator);
        }

        app.MapTechmailConsole();

        return app;
    }
}
