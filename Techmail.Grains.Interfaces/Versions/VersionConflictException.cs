namespace Techmail.Versions;

/// <summary>
/// A change was asked for on top of a version that is no longer the current one: someone else changed the thing in
/// between. The grain that owns the thing compares the versions, so two concurrent changes cannot both pass; nothing
/// was changed. The HTTP API answers it with 412 Precondition Failed.
/// </summary>
[GenerateSerializer, Alias("Techmail.VersionConflictException")]
public sealed class VersionConflictException : Exception
{
    public VersionConflictException(string message, long current)
        : base(message)
    {
        Current = current;
    }

    /// <summary>The version the thing is at now.</summary>
    [Id(0)]
    public long Current { get; private set; }

    /// <summary>Throws when <paramref name="expected"/> is given and differs from <paramref name="current"/>.</summary>
    public static void Check(string what, long? expected, long current)
    {
        if (expected is { } asked && asked != current)
        {
            throw new VersionConflictException($"{what} changed since version {asked}: it is at version {current} now; read it again and retry", current);
        }
    }
}
