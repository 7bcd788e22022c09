using Orleans.TestingHost;
using Techmail.Hosting;
using Techmail.Storage;

namespace Techmail.Tests.Support;

/// <summary>An in-process silo configured exactly as the real one (storage, reminders, services), minus its clustering.</summary>
public static class TechmailTestCluster
{
    public static async Task<InProcessTestCluster> Start(TechmailOptions options)
    {
        await SchemaInstaller.Apply(options.Database());
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((_, silo) => silo.AddTechmail(options, configureClustering: false));
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }

    public static async Task<long> Scalar(TechmailOptions options, string sql, params (string, object?)[] parameters)
    {
        await using var connection = await options.Database().OpenAsync();
        await using var command = TechmailDatabase.Command(connection, sql, parameters);
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }
}
