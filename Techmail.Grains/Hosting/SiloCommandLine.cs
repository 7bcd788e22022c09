namespace Techmail.Hosting;

/// <summary>
/// The silo's command line: the short switches people type most, and any configuration key as
/// <c>--Techmail:Key=value</c> (or <c>--Logging:...</c> for log levels). .NET's command-line configuration takes any
/// <c>--word value</c> as a key nobody reads and skips words it cannot read, so <c>--http-port 8080</c> would start a
/// silo without complaint; everything else is refused here, before the silo starts.
/// </summary>
public static class SiloCommandLine
{
    /// <summary>Short switch to configuration key, as handed to the command-line configuration provider.</summary>
    public static IReadOnlyDictionary<string, string> Switches { get; } = new Dictionary<string, string>
    {
        ["--data-dir"] = "Techmail:DataDirectory",
        ["--storage"] = "Techmail:Storage",
        ["--connection"] = "Techmail:ConnectionString",
        ["--key-file"] = "Techmail:KeyRingKeyFile",
        ["--silo-port"] = "Techmail:SiloPort",
        ["--gateway-port"] = "Techmail:GatewayPort",
    };

    // Sections a switch may set; the keys inside Techmail are checked by TechmailOptionsReader, whatever their source.
    private static readonly string[] Sections = [TechmailOptions.Section, "Logging"];

    /// <returns>One line per problem, each beginning with the switch at fault.</returns>
    public static IReadOnlyList<string> Check(IReadOnlyList<string> args)
    {
        var errors = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            var token = args[i];
            if (!token.StartsWith('-') && !token.StartsWith('/'))
            {
                errors.Add($"{token}: not a switch; use {Usage}.");
                continue;
            }

            var separator = token.IndexOf('=');
            var name = separator < 0 ? token : token[..separator];
            var isKey = name.StartsWith("--", StringComparison.Ordinal)
                && Sections.Any(s => name.Length > s.Length + 3 && name[2..].StartsWith(s + ":", StringComparison.OrdinalIgnoreCase));
            if (!isKey && !Switches.ContainsKey(name))
            {
                var hint = ClosestName.Among(name, Switches.Keys) is { } near ? $" (did you mean {near}?)" : "";
                errors.Add($"{name}: unknown switch{hint}; use {Usage}.");
                if (separator < 0 && i + 1 < args.Count && !args[i + 1].StartsWith('-'))
                {
                    // Its value, not another mistake.
                    i++;
                }

                continue;
            }

            if (separator < 0)
            {
                // The value is the next word; one that is itself a switch means the value was left out.
                if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                {
                    errors.Add($"{name}: needs a value ({name} VALUE or {name}=VALUE).");
                    continue;
                }

                i++;
            }
        }

        return errors;
    }

    private static string Usage => $"{string.Join(", ", Switches.Keys)} or --{TechmailOptions.Section}:KEY=VALUE";
}
