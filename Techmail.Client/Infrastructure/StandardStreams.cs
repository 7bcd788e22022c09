namespace Techmail.Client.Infrastructure;

/// <summary>
/// A lone <c>-</c> in place of a file or a text means standard input (or output). Spectre.Console.Cli reads a lone
/// <c>-</c> as an option without a name and refuses the command line before any command runs, so the program swaps
/// it for a placeholder no shell can pass (it holds a NUL) before parsing, and commands ask <see cref="Means"/>.
/// </summary>
public static class StandardStreams
{
    private const string Placeholder = "\0-";

    public static string[] Protect(string[] args) => [.. args.Select(a => a == "-" ? Placeholder : a)];

    /// <summary>Whether the value given on the command line was <c>-</c>.</summary>
    public static bool Means(string? value) => value is "-" or Placeholder;

    /// <summary>The value as the user wrote it, for messages.</summary>
    public static string Shown(string value) => Means(value) ? "-" : value;
}
