using Techmail.Silo.WebConsole.Admin.ClusterHealth;

namespace Techmail.Silo.WebConsole.Admin;

/// <summary>What the administration pages need besides the grains: the cluster-health samples and their sampler.</summary>
public static class AdminServices
{
    public static IServiceCollection AddTechmailAdminConsole(this IServiceCollection services)
    {
        services.AddSingleton(new ClusterHealthHistory());
        services.AddSingleton<ClusterHealthSampler>();
        services.AddHostedService(sp => sp.GetRequiredService<ClusterHealthSampler>());
        return services;
    }
}
