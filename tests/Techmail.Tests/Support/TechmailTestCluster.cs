using Orleans.TestingHost;
using Techmail.Access;
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

        // The one place tests get an identity: the test client sends the operator token the silo wrote at its start,
        // read when the first call goes out (the silo writes it while the cluster deploys). A test that set a token
        // of its own (Access tests, as another role) keeps it.
        var token = new Lazy<string>(() => File.ReadAllText(OperatorTokenFile(options)).Trim());
        builder.ConfigureClient(client => client.CarryToken(() => token.Value));
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }

    public static string OperatorTokenFile(TechmailOptions options) => Path.Combine(options.FullDataDirectory, Techmail.Access.OperatorTokenFile.FileName);

    public static async Task<long> Scalar(TechmailOptions options, string sql, params (string, object?)[] parameters)
    {
        await using var connection = await options.Database().OpenAsync();
        await using var command = TechmailDatabase.Command(connection, sql, parameters);
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }
}
