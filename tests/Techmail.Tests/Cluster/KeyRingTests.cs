using Microsoft.Extensions.DependencyInjection;
using Techmail.Hosting;
using Techmail.Security;
using Techmail.Storage;
using Techmail.Tests.Support;

namespace Techmail.Tests.Cluster;

public sealed class KeyRingTests
{
    [Fact]
    public async Task Silos_sharing_a_postgresql_database_unseal_each_others_secrets()
    {
        var connection = await (await PostgresServer.Instance).CreateDatabase();
        using var dataA = new TempDirectory();
        using var dataB = new TempDirectory();
        var options = new TechmailOptions { Storage = StorageKind.PostgreSql, ConnectionString = connection };
        await SchemaInstaller.Apply(options.Database());

        var siloA = Protector(options with { DataDirectory = dataA.Path });
        var siloB = Protector(options with { DataDirectory = dataB.Path });
        var sealedByA = siloA.Protect("pop3-password");

        Assert.Equal("pop3-password", siloB.Unprotect(sealedByA));
        Assert.Empty(Directory.GetFileSystemEntries(dataA.Path));
        Assert.True(await TechmailTestCluster.Scalar(options, "SELECT COUNT(*) FROM techmail_dataprotection_keys") >= 1);
    }

    [Fact]
    public void The_embedded_profile_keeps_its_key_ring_in_the_data_directory()
    {
        using var data = new TempDirectory();
        var options = new TechmailOptions { DataDirectory = data.Path };
        var sealedText = Protector(options).Protect("secret");

        Assert.Equal("secret", Protector(options).Unprotect(sealedText));
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(data.Path, "keys"), "*.xml"));
    }

    private static ISecretProtector Protector(TechmailOptions options) =>
        new ServiceCollection().AddLogging().AddTechmailServices(options, options.Database()).BuildServiceProvider().GetRequiredService<ISecretProtector>();
}
