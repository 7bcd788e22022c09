using System.Reflection;
using Spectre.Console.Cli;

namespace Techmail.Client.Infrastructure;

/// <summary>What a command's settings class accepts, read from the same attributes Spectre binds from.</summary>
public sealed record CommandShape(string Path, Type Settings, IReadOnlyList<OptionShape> Options, IReadOnlyList<ArgumentShape> Arguments)
{
    public static CommandShape Of(string path, Type settings)
    {
        var properties = settings.GetProperties(BindingFlags.Public | BindingFlags.Instance);
        var options = properties
            .Select(p => (Property: p, Attribute: p.GetCustomAttribute<CommandOptionAttribute>()))
            .Where(p => p.Attribute is not null)
            .Select(p => new OptionShape(
                [.. p.Attribute!.LongNames.Select(n => "--" + n), .. p.Attribute.ShortNames.Select(n => "-" + n)],
                p.Attribute.ValueName,
                IsList(p.Property.PropertyType)))
            .ToList();
        var arguments = properties
            .Select(p => (Property: p, Attribute: p.GetCustomAttribute<CommandArgumentAttribute>()))
            .Where(p => p.Attribute is not null)
            .OrderBy(p => p.Attribute!.Position)
            .Select(p => new ArgumentShape(p.Attribute!.ValueName, p.Attribute.IsRequired, IsList(p.Property.PropertyType)))
            .ToList();
        return new CommandShape(path, settings, options, arguments);
    }

    public OptionShape? Option(string name) => Options.FirstOrDefault(o => o.Names.Contains(name, StringComparer.Ordinal));

    private static bool IsList(Type type) => type.IsArray;
}

/// <param name="Names">As typed: "--limit", "-h".</param>
/// <param name="ValueName">"N" for <c>--limit &lt;N&gt;</c>; null for a flag.</param>
/// <param name="Repeatable">Takes a value each time it is given (an array property).</param>
public sealed record OptionShape(IReadOnlyList<string> Names, string? ValueName, bool Repeatable)
{
    public bool TakesValue => ValueName is not null;

    public string Name => Names[0];
}

/// <param name="Variadic">Takes every remaining word (an array property).</param>
public sealed record ArgumentShape(string ValueName, bool Required, bool Variadic);
