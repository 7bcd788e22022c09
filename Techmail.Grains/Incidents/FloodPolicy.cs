namespace Techmail.Incidents;

/// <summary>How much mail one address may send before its mail is held instead of opening incidents.</summary>
public sealed record FloodPolicy
{
    public static FloodPolicy Default { get; } = new();

    /// <summary>Messages an address may send within <see cref="Window"/>; the next one is held.</summary>
    public int MaxMessages { get; init; } = 23;

    public TimeSpan Window { get; init; } = TimeSpan.FromHours(12);

    /// <summary>
    /// Addresses remembered at once. A spam run with a fresh forged sender per message must not grow memory without
    /// bound; when full, the address seen least recently is forgotten.
    /// </summary>
    public int MaxTrackedAddresses { get; init; } = 100_000;

    internal void Validate()
    {
        if (MaxMessages < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxMessages), MaxMessages, "must be at least 1.");
        }

        if (Window <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(Window), Window, "must be positive.");
        }

        if (MaxTrackedAddresses < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxTrackedAddresses), MaxTrackedAddresses, "must be at least 1.");
        }
    }
}
