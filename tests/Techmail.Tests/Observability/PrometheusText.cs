using System.Globalization;

namespace Techmail.Tests.Observability;

/// <summary>A scrape of /metrics in the Prometheus text format, read the way a query reads it: series by name and labels.</summary>
public sealed class PrometheusText(string text)
{
    public string Text { get; } = text;

    public static async Task<PrometheusText> Scrape(HttpClient http) => new(await http.GetStringAsync("metrics"));

    /// <summary>The sum of the series of <paramref name="name"/> that carry all of <paramref name="labels"/>; 0 when there is none yet.</summary>
    public double Sum(string name, params (string Label, string Value)[] labels)
    {
        double sum = 0;
        foreach (var line in Text.Split('\n'))
        {
            if (line.StartsWith('#') || !line.StartsWith(name, StringComparison.Ordinal) || line.Length <= name.Length || line[name.Length] is not ('{' or ' '))
            {
                continue;
            }

            var valueAt = line.LastIndexOf(' ');
            var series = line[..valueAt];
            if (labels.All(l => series.Contains($"{l.Label}=\"{l.Value}\"", StringComparison.Ordinal)))
            {
                sum += double.Parse(line[(valueAt + 1)..], CultureInfo.InvariantCulture);
            }
        }

        return sum;
    }

    public bool Has(string name) => Text.Split('\n').Any(l => l.StartsWith(name, StringComparison.Ordinal));
}
