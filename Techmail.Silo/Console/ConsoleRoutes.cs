namespace Techmail.Silo.WebConsole;

/// <summary>The console's addresses, in one place for links, redirects and tests.</summary>
public static class ConsoleRoutes
{
    public const string Home = "/";
    public const string Queue = "/incidents";
    public const string AdminHome = "/admin";

    public static string Incident(string reference) => $"{Queue}/{Uri.EscapeDataString(reference)}";
}
