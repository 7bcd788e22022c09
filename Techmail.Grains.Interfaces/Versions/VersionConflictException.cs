namespace Techmail.Versions;

/// <summary>
/// A change was asked for on top of a version that is no longer the current one: someone else changed the thing in
/// between. The grain that owns the thing compares the versions, so two concurrent changes cannot both pass; nothing
/// was changed. The HTTP API answers it with 412 Precondition Failed.
/// </summary>
[GenerateSerializer, Alias("Techmail.VersionConflictException")]
public sealed class VersionConflictException : Exception
{
    public VersionConflictException(string message, string? current)
        : base(message)
    {
        Current = current;
    }

    /// <summary>The version the thing is at now, as its ETag's value; null when it is not known.</summary>
    [Id(0)]
    public string? Current { get; private set; }

    /// <summary>Throws when <paramref name="expected"/> is given and differs from <paramref name="current"/>.</summary>
    public static void Check(string what, long? expected, long current) =>
        Check(what, expected?.ToString(System.Globalization.CultureInfo.InvariantCulture), current.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Throws when <paramref name="expected"/> is given and differs from <paramref name="current"/>.</summary>
    public static void Check(string what, string? expected, string current)
    {
        if (expected is not null && !string.Equals(expected, current, StringComparison.Ordinal))
        {
            throw new VersionConflictException($"{what} changed since version {expected}: it is at version {current} now; read it again and retry", current);
        }
    }
}
