using Techmail.Security.KeyRing;

namespace Techmail.Tests.Support;

/// <summary>
/// The key file that seals the key ring of the test run's PostgreSQL silos: a silo on PostgreSQL is refused without
/// one, and the silos of one cluster must share it. One owner-only file per test run, made at first use.
/// </summary>
public static class TestKeyRing
{
    private static readonly Lazy<string> KeyFile = new(() =>
        KeyRingKey.Generate(Path.Combine(Directory.CreateTempSubdirectory("techmail-keyring-").FullName, KeyRingKeys.DefaultFileName)).Source);

    public static string File => KeyFile.Value;

    /// <summary>The silo switches that hand it over.</summary>
    public static string[] SiloArgs => ["--key-file", File];
}
