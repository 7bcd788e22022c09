using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Techmail.Hosting;

namespace Techmail.Observability;

/// <summary>
/// OpenTelemetry for a silo: Techmail's and Orleans' meters, the message traces, and OTLP export of both when
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (the standard OTEL_* variables configure the exporter further). The host
/// adds its own readers, such as the Prometheus scrape endpoint.
/// </summary>
public static class TelemetryRegistration
{
    /// <summary>The meter Orleans records its grain, messaging and membership instruments on.</summary>
    public const string OrleansMeter = "Microsoft.Orleans";

    public const string OtlpEndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    public static bool OtlpConfigured => !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(OtlpEndpointVariable));

    /// <param name="metrics">Readers or exporters the host adds to the metrics (e.g. Prometheus).</param>
    /// <param name="traces">Exporters the host adds to the traces; without them and without OTLP, nothing listens and spans cost nothing.</param>
    public static IServiceCollection AddTechmailTelemetry(
        this IServiceCollection services,
        TechmailOptions options,
        Action<MeterProviderBuilder>? metrics = null,
        Action<TracerProviderBuilder>? traces = null)
    {
        services.AddHostedService<BacklogSampler>();
        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("techmail", serviceInstanceId: $"{Environment.MachineName}:{options.SiloPort}"))
            .WithMetrics(m =>
            {
                m.AddMeter(TechmailMetrics.MeterName, OrleansMeter);
                metrics?.Invoke(m);
                if (OtlpConfigured)
                {
                    m.AddOtlpExporter();
                }
            });

        if (OtlpConfigured || traces is not null)
        {
            telemetry.WithTracing(t =>
            {
                // MessageTrace samples by the message's own hash before it makes an activity; what it makes is kept.
                MessageTrace.SampleRatio = options.TraceSampleRatio;
                t.AddSource(MessageTrace.SourceName).SetSampler(new AlwaysOnSampler());
                traces?.Invoke(t);
                if (OtlpConfigured)
                {
                    t.AddOtlpExporter();
                }
            });
        }

        return services;
    }
}
