using System.Security.Cryptography;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.DependencyInjection;
using Techmail.Hosting;
using Techmail.Security;
using Techmail.Security.KeyRing;
using Techmail.Storage;
using Techmail.Tests.Support;

namespace Techmail.Tests.Cluster;

/// <summary>
/// The Data Protection key ring is sealed with a key file kept apart from it, on SQLite (ring in DATA/keys) and on
/// PostgreSQL (ring in the database): what a dump holds opens nothing without the key file, and opens everything with it.
/// </summary>
public sealed class KeyRingTests
{
    // The purpose DataProtectionSecretProtector seals with; an attacker holding a dump knows it from the source.
    private const string Purpose = "Techmail.Secrets.v1";

    [Fact]
    public async Task Silos_sharing_a_postgresql_database_unseal_each_others_secrets()
    {
        var connection = await (await PostgresServer.Instance).CreateDatabase();
        using var dataA = new TempDirectory();
        using var dataB = new TempDirectory();
        var options = new TechmailOptions { Storage = StorageKind.PostgreSql, ConnectionString = connection, KeyRingKeyFile = TestKeyRing.File };
        await SchemaInstaller.Apply(options.Database());

        var siloA = Protector(options with { DataDirectory = dataA.Path });
        var siloB = Protector(options with { DataDirectory = dataB.Path });
        var sealedByA = siloA.Protect("pop3-password");

        Assert.Equal("pop3-password", siloB.Unprotect(sealedByA));
        Assert.Empty(Directory.GetFileSystemEntries(dataA.Path));
        Assert.True(await TechmailTestCluster.Scalar(options, "SELECT COUNT(*) FROM techmail_dataprotection_keys") >= 1);
    }

    [Fact]
    public void The_embedded_profile_keeps_its_key_ring_in_the_data_directory_sealed_with_a_key_file_it_makes_owner_only()
    {
        using var data = new TempDirectory();
        var options = new TechmailOptions { DataDirectory = data.Path };
        var sealedText = Protector(options).Protect("secret");

        Assert.Equal("secret", Protector(options).Unprotect(sealedText));
        var entries = Directory.GetFiles(Path.Combine(data.Path, "keys"), "*.xml");
        Assert.NotEmpty(entries);
        Assert.All(entries, file => Assert.True(KeyRingSealer.IsSealed(XElement.Load(file)) && !KeyRingSealer.HasPlainSecret(XElement.Load(file))));
        var keyFile = Path.Combine(data.Path, KeyRingKeys.DefaultFileName);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));
        }
    }

    [Theory]
    [InlineData(StorageKind.Sqlite)]
    [InlineData(StorageKind.PostgreSql)]
    public async Task A_dump_of_the_database_and_key_ring_alone_unseals_nothing_and_with_the_key_file_it_does(StorageKind storage)
    {
        using var data = new TempDirectory();
        using var vault = new TempDirectory("techmail-vault");
        var options = await Options(storage, data.Path, KeyRingKey.Generate(vault.File("keyring.key")).Source);
        var trackingKey = await new TrackingKeys(options.Database(), Protector(options), TimeProvider.System).For("dumped");

        // What a backup or a read-only role gets: the sealed secrets and the key ring, read with plain SQL (or the files).
        var dump = await Dump(options);
        Assert.NotEmpty(dump.KeyRing);
        Assert.All(dump.KeyRing, entry => Assert.False(KeyRingSealer.HasPlainSecret(entry), "a key ring entry holds its key in the clear"));

        // Data Protection itself, given the dumped ring, cannot open the secret.
        Assert.ThrowsAny<CryptographicException>(() => DumpReader(dump.KeyRing, keys: null).Unprotect(dump.SealedTrackingKey));

        // With the key file as well, the same dump opens.
        var keys = new KeyRingKeys(KeyRingKey.Read(options.KeyRingKeyFile!, KeyRingKeys.KeyFileSetting), []);
        Assert.Equal(Convert.ToBase64String(trackingKey), DumpReader(dump.KeyRing, keys).Unprotect(dump.SealedTrackingKey));
    }

    [Theory]
    [InlineData(StorageKind.Sqlite)]
    [InlineData(StorageKind.PostgreSql)]
    public async Task A_key_ring_written_in_the_clear_by_an_earlier_build_is_read_and_sealed_at_start(StorageKind storage)
    {
        using var data = new TempDirectory();
        using var vault = new TempDirectory("techmail-vault");
        var options = await Options(storage, data.Path, KeyRingKey.Generate(vault.File("keyring.key")).Source);
        var store = Store(options);

        // The earlier build: Data Protection with the same ring location and no encryptor.
        var earlier = new ServiceCollection().AddLogging();
        earlier.AddDataProtection().SetApplicationName("Techmail");
        earlier.Configure<KeyManagementOptions>(o => o.XmlRepository = store);
        var sealedBefore = earlier.BuildServiceProvider().GetRequiredService<IDataProtectionProvider>().CreateProtector(Purpose).Protect("pop-password-from-before");
        Assert.Contains(store.ReadAll(), entry => KeyRingSealer.HasPlainSecret(entry.Element));

        var report = Sealer(options).Seal();

        Assert.True(report.SealedNow >= 1);
        Assert.All(store.ReadAll(), entry => Assert.False(KeyRingSealer.HasPlainSecret(entry.Element)));
        Assert.Equal("pop-password-from-before", Protector(options).Unprotect(sealedBefore));
        Assert.ThrowsAny<CryptographicException>(() => DumpReader(store.GetAllElements(), keys: null).Unprotect(sealedBefore));
        // A second start finds nothing left to do.
        Assert.Equal(new KeyRingSealReport(report.Entries, 0, 0), Sealer(options).Seal());
    }

    [Theory]
    [InlineData(StorageKind.Sqlite)]
    [InlineData(StorageKind.PostgreSql)]
    public async Task A_new_key_file_with_the_old_one_still_accepted_seals_the_ring_again_and_then_the_old_one_can_go(StorageKind storage)
    {
        using var data = new TempDirectory();
        using var vault = new TempDirectory("techmail-vault");
        var oldKey = KeyRingKey.Generate(vault.File("keyring-2025.key")).Source;
        var newKey = KeyRingKey.Generate(vault.File("keyring-2026.key")).Source;
        var options = await Options(storage, data.Path, oldKey);
        var sealedText = Protector(options).Protect("smtp-password");

        var rotating = options with { KeyRingKeyFile = newKey, KeyRingPreviousKeyFiles = [oldKey] };
        Assert.True(Sealer(rotating).Seal().Resealed >= 1);
        Assert.Equal("smtp-password", Protector(rotating).Unprotect(sealedText));

        var rotated = options with { KeyRingKeyFile = newKey };
        Assert.Equal(0, Sealer(rotated).Seal().Resealed);
        Assert.Equal("smtp-password", Protector(rotated).Unprotect(sealedText));

        // The retired key file opens nothing any more: refused at start, naming the key file the ring needs.
        var refused = Assert.Throws<KeyRingException>(() => Sealer(options).Seal());
        Assert.Contains($"sealed with the key file whose id is {KeyRingKey.Read(newKey, "").Id}", refused.Message);
        Assert.Contains("this silo was not given that file", refused.Message);
    }

    [Fact]
    public void A_key_file_that_is_not_a_key_is_refused_with_the_file_named()
    {
        using var vault = new TempDirectory("techmail-vault");
        File.WriteAllText(vault.File("short.key"), Convert.ToBase64String(new byte[16]));
        File.WriteAllText(vault.File("text.key"), "# not a key #");

        Assert.Contains("holds 16 bytes; it must hold 32 random bytes in base64", Assert.Throws<KeyRingException>(() => KeyRingKey.Read(vault.File("short.key"), KeyRingKeys.KeyFileSetting)).Message);
        Assert.Contains("is not base64", Assert.Throws<KeyRingException>(() => KeyRingKey.Read(vault.File("text.key"), KeyRingKeys.KeyFileSetting)).Message);
        Assert.StartsWith("Techmail:KeyRingKeyFile: cannot read the key file", Assert.Throws<KeyRingException>(() => KeyRingKey.Read(vault.File("absent.key"), KeyRingKeys.KeyFileSetting)).Message);
    }

    [Fact]
    public void The_embedded_profile_never_makes_a_new_key_file_for_a_key_ring_that_is_already_sealed()
    {
        using var data = new TempDirectory();
        var options = new TechmailOptions { DataDirectory = data.Path };
        Protector(options).Protect("secret");
        File.Delete(Path.Combine(data.Path, KeyRingKeys.DefaultFileName));

        var refused = Assert.Throws<KeyRingException>(() => KeyRingKeys.Load(options, Store(options)));
        Assert.Contains("is sealed, but its key file", refused.Message);
        Assert.False(File.Exists(Path.Combine(data.Path, KeyRingKeys.DefaultFileName)));
    }

    private static async Task<TechmailOptions> Options(StorageKind storage, string dataDirectory, string keyFile)
    {
        var options = new TechmailOptions { DataDirectory = dataDirectory, KeyRingKeyFile = keyFile };
        if (storage == StorageKind.PostgreSql)
        {
            options = options with { Storage = storage, ConnectionString = await (await PostgresServer.Instance).CreateDatabase() };
        }

        await SchemaInstaller.Apply(options.Database());
        return options;
    }

    private static ServiceProvider Services(TechmailOptions options) =>
        new ServiceCollection().AddLogging().AddTechmailServices(options, options.Database()).BuildServiceProvider();

    private static ISecretProtector Protector(TechmailOptions options) => Services(options).GetRequiredService<ISecretProtector>();

    private static KeyRingSealer Sealer(TechmailOptions options) => Services(options).GetRequiredService<KeyRingSealer>();

    private static IKeyRingStore Store(TechmailOptions options) => Services(options).GetRequiredService<IKeyRingStore>();

    private sealed record DatabaseDump(IReadOnlyList<XElement> KeyRing, string SealedTrackingKey);

    private static async Task<DatabaseDump> Dump(TechmailOptions options)
    {
        await using var connection = await options.Database().OpenAsync();
        await using var secret = TechmailDatabase.Command(connection, "SELECT sealed FROM techmail_tenant_secrets WHERE tenant = 'dumped'");
        var sealedKey = (string)(await secret.ExecuteScalarAsync())!;
        var ring = new List<XElement>();
        if (options.Storage == StorageKind.PostgreSql)
        {
            await using var rows = TechmailDatabase.Command(connection, "SELECT xml FROM techmail_dataprotection_keys");
            await using var reader = await rows.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                ring.Add(XElement.Parse(reader.GetString(0)));
            }
        }
        else
        {
            // The embedded profile keeps the ring beside the database file; a copy of the data directory holds both.
            ring.AddRange(Directory.GetFiles(Path.Combine(options.FullDataDirectory, "keys"), "*.xml").Select(XElement.Load));
        }

        return new DatabaseDump(ring, sealedKey);
    }

    /// <summary>Data Protection set up by whoever holds the dump: its key ring, and the key files if they have them.</summary>
    private static IDataProtector DumpReader(IReadOnlyCollection<XElement> keyRing, KeyRingKeys? keys)
    {
        var services = new ServiceCollection().AddLogging();
        if (keys is not null)
        {
            services.AddSingleton(keys);
        }

        services.AddDataProtection().SetApplicationName("Techmail").DisableAutomaticKeyGeneration();
        services.Configure<KeyManagementOptions>(o => o.XmlRepository = new DumpedRing(keyRing));
        return services.BuildServiceProvider().GetRequiredService<IDataProtectionProvider>().CreateProtector(Purpose);
    }

    private sealed class DumpedRing(IReadOnlyCollection<XElement> elements) : IXmlRepository
    {
        public IReadOnlyCollection<XElement> GetAllElements() => elements;

        public void StoreElement(XElement element, string friendlyName) => throw new InvalidOperationException("a dump is read only");
    }
}
