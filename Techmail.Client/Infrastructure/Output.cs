using System.Text.Json;
using System.Text.Json.Serialization;
using Spectre.Console;

namespace Techmail.Client.Infrastructure;

public static class Output
{
    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public static void WriteJson<T>(T value) => Console.Out.WriteLine(JsonSerializer.Serialize(value, Json));

    public static void Error(string message) => Console.Error.WriteLine($"techmail: {message}");

    /// <summary>
    /// Text for Spectre markup: markup escaped, and cleaned for the terminal before Spectre lays it out, so a table keeps
    /// its columns. <see cref="CleanRenderHook"/> cleans whatever is rendered in any case; this only keeps the layout.
    /// </summary>
    public static string Escape(string? text) => Markup.Escape(TerminalText.Clean(text ?? ""));
}
