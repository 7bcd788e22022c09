namespace Techmail.Bounces;

/// <summary>Lower-case labels for <see cref="BounceReason"/>, as stored and exchanged with other tools.</summary>
public static class BounceReasons
{
    private static readonly Dictionary<string, BounceReason> ByLabel = BuildLabels();

    public static string ToLabel(BounceReason reason) => reason.ToString().ToLowerInvariant();

    public static BounceReason Parse(string label) =>
        TryParse(label, out var reason) ? reason : throw new FormatException($"Unknown bounce reason '{label}'.");

    public static bool TryParse(string? label, out BounceReason reason)
    {
        reason = BounceReason.Undefined;
        return label is not null && ByLabel.TryGetValue(label.Trim(), out reason);
    }

    /// <summary>
    /// A hard bounce means the address itself is bad, so retrying or keeping it on a list is pointless;
    /// null marks reports that are not failures at all.
    /// </summary>
    public static bool? IsHardBounce(BounceReason reason, string? status) => reason switch
    {
        BounceReason.Delivered or BounceReason.Feedback or BounceReason.Vacation => null,
        BounceReason.UserUnknown or BounceReason.HostUnknown or BounceReason.HasMoved => true,
        // A domain that refuses all mail (null MX) is only final when the report says so permanently.
        BounceReason.NotAccept => status is null || !status.StartsWith('4'),
        _ => false,
    };

    private static Dictionary<string, BounceReason> BuildLabels()
    {
        var map = new Dictionary<string, BounceReason>(StringComparer.OrdinalIgnoreCase);
        foreach (var value in Enum.GetValues<BounceReason>())
            map[value.ToString()] = value;
        return map;
    }
}
