using Techmail.Hosting;
using Techmail.Storage;

namespace Techmail.Security.KeyRing;

/// <summary>
/// The key files that seal the Data Protection key ring: the current one seals every entry written from now on, the
/// previous ones (a rotation under way) are only read. None of them lives in the database.
/// </summary>
public sealed class KeyRingKeys
{
    public const string KeyFileSetting = "Techmail:KeyRingKeyFile";
    public const string PreviousKeyFilesSetting = "Techmail:KeyRingPreviousKeyFiles";

    /// <summary>Where the embedded profile keeps the key file it makes for itself, when none is configured.</summary>
    public const string DefaultFileName = "keyring.key";

    public KeyRingKeys(KeyRingKey current, IReadOnlyList<KeyRingKey> previous)
    {
        Current = current;
        Previous = previous;
    }

    public KeyRingKey Current { get; }

    public IReadOnlyList<KeyRingKey> Previous { get; }

    /// <summary>Whether the silo made its key file at this start (the embedded profile's first start).</summary>
    public bool Generated { get; private init; }

    public KeyRingKey? Find(string id) =>
        Current.Id == id ? Current : Previous.FirstOrDefault(k => k.Id == id);

    /// <summary>The key file ids this silo holds, for an error about an entry sealed with another one.</summary>
    public string Describe() =>
        string.Join(", ", new[] { Current }.Concat(Previous).Select(k => $"{k.Id} ({k.Source})"));

    /// <summary>
    /// Reads the configured key files. Without <see cref="KeyFileSetting"/>, the embedded profile uses (and at its first
    /// start makes, owner-only) <c>DATA/keyring.key</c>; a cluster is refused, since each silo would make a key of its own
    /// and none could open what the others sealed.
    /// </summary>
    /// <param name="store">Looked at only to refuse making a new key file for a key ring that is already sealed.</param>
    public static KeyRingKeys Load(TechmailOptions options, IKeyRingStore store)
    {
        var previous = options.KeyRingPreviousKeyFiles
            .Select(path => KeyRingKey.Read(Path.GetFullPath(path), PreviousKeyFilesSetting))
            .ToList();
        if (options.KeyRingKeyFile is { Length: > 0 } configured)
        {
            return new KeyRingKeys(KeyRingKey.Read(Path.GetFullPath(configured), KeyFileSetting), previous);
        }

        if (options.Storage != StorageKind.Sqlite)
        {
            throw new KeyRingException(
                $"{KeyFileSetting}: is required when Storage is PostgreSql. The key ring that seals the mailbox passwords is kept in the " +
                $"database, sealed with this key file, which must not be kept there; give every silo of the cluster the same file, holding {KeyRingKey.Format}.");
        }

        var path = Path.Combine(options.FullDataDirectory, DefaultFileName);
        if (File.Exists(path))
        {
            return new KeyRingKeys(KeyRingKey.Read(path, KeyFileSetting), previous);
        }

        if (store.ReadAll().Any(entry => KeyRingSealer.IsSealed(entry.Element)))
        {
            // Making a new key now would leave every sealed password unreadable, and say so only at the first poll.
            throw new KeyRingException(
                $"{KeyFileSetting}: the key ring in {Path.Combine(options.FullDataDirectory, "keys")} is sealed, but its key file {path} is missing. " +
                $"Put the key file back, or name it with {KeyFileSetting}.");
        }

        Directory.CreateDirectory(options.FullDataDirectory);
        return new KeyRingKeys(KeyRingKey.Generate(path), previous) { Generated = true };
    }
}
