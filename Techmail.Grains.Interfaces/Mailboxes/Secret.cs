namespace Techmail.Mailboxes;

public static class Secret
{
    /// <summary>What a stored secret looks like to anyone outside the grain that owns it.</summary>
    public const string Mask = "********";

    /// <summary>True when an update leaves the stored secret as it is.</summary>
    public static bool KeepsStored(string? value) => value is null || value == Mask;
}
