using System.Globalization;
using Techmail.Hosting;

namespace Techmail.Client.Infrastructure;

/// <summary>
/// Checks a command line against the command it names before Spectre.Console.Cli binds it, because Spectre lets
/// through what an admin's typo makes: with lenient parsing it ignores an unknown option (and takes the word after it
/// as that option's value), and with strict parsing it binds a missing value as a placeholder. Here an unknown
/// option, a missing value, a repeated one-value option or an extra argument is refused with one line naming it
/// (and the nearest known option or command). Global options (<see cref="GlobalSettings"/>) may also come before the
/// command; they are moved after it, where Spectre reads them.
/// </summary>
public sealed class CommandLineCheck(CommandCatalog catalog)
{
    private static readonly string[] HelpSwitches = ["-h", "--help", "-?"];

    private static readonly CommandShape Globals = CommandShape.Of("techmail", typeof(GlobalSettings));

    /// <returns>The command line to hand to Spectre, and whether it names a command (not only a branch, or nothing).</returns>
    /// <exception cref="CommandFailure">The command line is refused (exit code 2).</exception>
    public (IReadOnlyList<string> Args, bool Complete) Check(IReadOnlyList<string> args)
    {
        if (args.Any(a => HelpSwitches.Contains(a, StringComparer.Ordinal)))
        {
            // Spectre shows the help of whatever command came before the switch, and runs nothing.
            return (args, true);
        }

        var path = new List<string>();
        var early = new List<string>();
        var i = 0;
        CommandShape? command = null;
        while (command is null && i < args.Count)
        {
            if (IsOption(args[i]))
            {
                i = Take(args, i, Globals, "before the command (only global options may come first)", early, new HashSet<OptionShape>());
                continue;
            }

            path.Add(args[i++]);
            command = catalog.Command(path);
            if (command is null && !catalog.IsBranch(path))
            {
                var known = catalog.Next(path[..^1]).ToList();
                var where = path.Count == 1 ? "techmail" : $"techmail {string.Join(' ', path[..^1])}";
                throw Refuse($"unknown command '{path[^1]}' for '{where}'", ClosestName.Among(path[^1], known), known.Count > 0 ? $"one of {string.Join(", ", known)}" : null);
            }
        }

        if (command is null)
        {
            return (path, false);
        }

        // The command's own words, then the global options given before it: each is checked as this command's.
        var rest = args.Skip(i).Concat(early).ToList();
        var checkedRest = new List<string>();
        var seen = new HashSet<OptionShape>();
        var arguments = 0;
        for (var j = 0; j < rest.Count;)
        {
            if (rest[j] == "--")
            {
                throw Refuse($"'--' is not used by 'techmail {command.Path}'; write a value that begins with '-' as --OPTION=VALUE", null, null);
            }

            if (IsOption(rest[j]))
            {
                j = Take(rest, j, command, $"for 'techmail {command.Path}'", checkedRest, seen);
                continue;
            }

            var argument = arguments < command.Arguments.Count ? command.Arguments[arguments] : command.Arguments.LastOrDefault();
            if (argument is null || (arguments >= command.Arguments.Count && !argument.Variadic))
            {
                var expected = command.Arguments.Count == 0 ? "takes no arguments" : $"takes {string.Join(" ", command.Arguments.Select(a => a.ValueName))}";
                throw Refuse($"unexpected argument '{StandardStreams.Shown(rest[j])}': 'techmail {command.Path}' {expected}", null, null);
            }

            arguments++;
            checkedRest.Add(rest[j++]);
        }

        if (command.Arguments.Where(a => a.Required).Skip(arguments).FirstOrDefault() is { } missing)
        {
            throw Refuse($"'techmail {command.Path}' needs {missing.ValueName}", null, null);
        }

        return ([.. command.Path.Split(' '), .. checkedRest], true);
    }

    /// <summary>Checks the option at <paramref name="i"/> (and its value) and copies it to <paramref name="output"/>.</summary>
    /// <returns>The index after it.</returns>
    private static int Take(IReadOnlyList<string> args, int i, CommandShape shape, string where, List<string> output, HashSet<OptionShape> seen)
    {
        var token = args[i];
        // --name=value and --name:value, as Spectre reads them.
        var separator = token.IndexOfAny(['=', ':']);
        var name = separator < 0 ? token : token[..separator];
        var inline = separator < 0 ? null : token[(separator + 1)..];
        var option = shape.Option(name);
        if (option is null)
        {
            var names = shape.Options.SelectMany(o => o.Names).Where(n => n.StartsWith("--", StringComparison.Ordinal)).ToList();
            throw Refuse($"unknown option '{name}' {where}", ClosestName.Among(name, names), null);
        }

        if (option.TakesValue && !option.Repeatable && !seen.Add(option))
        {
            throw Refuse($"option '{option.Name}' is given twice {where}; it takes one value", null, null);
        }

        if (!option.TakesValue)
        {
            if (inline is not null && !bool.TryParse(inline, out _))
            {
                throw Refuse($"option '{option.Name}' takes no value (found '{inline}') {where}", null, null);
            }

            output.Add(token);
            return i + 1;
        }

        if (inline is not null)
        {
            output.Add(token);
            return i + 1;
        }

        if (i + 1 >= args.Count || !IsValue(args[i + 1]))
        {
            throw Refuse($"option '{option.Name}' needs a value ({option.ValueName}) {where}", null, null);
        }

        output.Add(token);
        output.Add(args[i + 1]);
        return i + 2;
    }

    private static bool IsOption(string token) => token.StartsWith('-') && token.Length > 1 && !IsNumber(token);

    /// <summary>A word that can be an option's value: not an option, or a negative number, or "-" (standard input).</summary>
    private static bool IsValue(string token) => !token.StartsWith('-') || StandardStreams.Means(token) || IsNumber(token);

    private static bool IsNumber(string token) => double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out _);

    private static CommandFailure Refuse(string message, string? suggestion, string? known) =>
        new(message + (suggestion is not null ? $"; did you mean '{suggestion}'?" : known is not null ? $" ({known})" : "."), ExitCodes.Usage);
}
