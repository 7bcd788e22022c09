using Microsoft.Extensions.DependencyInjection;

namespace Techmail.Webhooks;

public static class WebhookServices
{
    /// <summary>The store, the silo's one HTTP client for receivers with its per-host bound, and the drain.</summary>
    public static IServiceCollection AddTechmailWebhooks(this IServiceCollection services, WebhookPolicy policy)
    {
        services.AddSingleton(policy);
        services.AddSingleton<WebhookStore>();
        services.AddSingleton<WebhookHostGate>();
        services.AddSingleton<WebhookHttp>();
        services.AddSingleton<WebhookDrainer>();
        services.AddSingleton<WebhookEvents>();
        return services;
    }

    /// <summary>Wakes waiting deliveries when the silo starts.</summary>
    public static ISiloBuilder AddTechmailWebhookResume(this ISiloBuilder silo)
    {
        silo.Services.AddSingleton<WebhookResumer>();
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<WebhookResumer>());
        return silo;
    }
}
