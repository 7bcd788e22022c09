namespace Techmail;

public static class StorageNames
{
    /// <summary>The ADO.NET grain storage provider every Techmail grain persists through.</summary>
    public const string Grains = "techmail";
}
