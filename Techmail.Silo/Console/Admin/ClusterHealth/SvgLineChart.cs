using System.Globalization;
using System.Net;
using System.Text;

namespace Techmail.Silo.WebConsole.Admin.ClusterHealth;

/// <summary>One line of a chart: its name for the legend, how it is drawn, and its points in time order.</summary>
/// <param name="Stroke">The line's colour, dark enough to read on white (at least 4.5:1).</param>
/// <param name="Dash">An SVG dash pattern, so lines differ by more than colour; null draws a solid line.</param>
public sealed record ChartLine(string Name, string Stroke, string? Dash, IReadOnlyList<ChartPoint> Points);

public readonly record struct ChartPoint(DateTimeOffset At, double Value);

/// <summary>
/// Draws a time chart as inline SVG on the server: no script and no chart library reach the browser, and the markup is
/// plain text a test can read. Values are scaled to a rounded maximum with a few labelled grid lines; a stretch of time
/// with no sample (the silo was down, a sample failed) breaks the line instead of drawing a slope across it.
/// </summary>
public static class SvgLineChart
{
    /// <summary>The drawing's size for a laptop's width; a phone gets one drawn narrower, so its text stays readable.</summary>
    public const int Width = 640, Height = 260, NarrowWidth = 360, NarrowHeight = 220;
    private const int Left = 64, Right = 16, Top = 16, Bottom = 36;

    /// <param name="title">Read by screen readers as the image's name.</param>
    /// <param name="unit">What the values count, after each axis label ("s", "mails").</param>
    /// <param name="gap">Samples further apart than this are not joined.</param>
    /// <param name="width">The drawing's width in its own units; text keeps its size in them, so a narrow drawing has larger text on a small screen.</param>
    public static string Render(string title, string unit, IReadOnlyList<ChartLine> lines, DateTimeOffset from, DateTimeOffset to, TimeSpan gap, int width = Width, int height = Height)
    {
        if (to <= from)
        {
            throw new ArgumentException("the chart's end must come after its start.", nameof(to));
        }

        var max = lines.SelectMany(l => l.Points).Select(p => p.Value).DefaultIfEmpty(0).Max();
        var (top, step) = Scale(max);
        var plotWidth = width - Left - Right;
        var plotHeight = height - Top - Bottom;
        double X(DateTimeOffset at) => Left + plotWidth * Math.Clamp((at - from) / (to - from), 0, 1);
        double Y(double value) => Top + plotHeight * (1 - Math.Clamp(value / top, 0, 1));

        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg class=\"chart\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"{Text(title)}\" xmlns=\"http://www.w3.org/2000/svg\">");
        svg.Append(CultureInfo.InvariantCulture, $"<title>{Text(title)}</title>");

        // Horizontal grid lines with their values, from zero up to the rounded top.
        for (var value = 0.0; value <= top + step / 2; value += step)
        {
            var y = Y(value);
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" y1=\"{N(y)}\" x2=\"{width - Right}\" y2=\"{N(y)}\" stroke=\"#d0d0d0\" stroke-width=\"1\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left - 6}\" y=\"{N(y + 4)}\" text-anchor=\"end\" font-size=\"12\" fill=\"#333\">{Text(Label(value, unit))}</text>");
        }

        // Time labels at round times (every 1, 2, 5, 10, 15, 30 minutes, or hours), at most six, in UTC like every
        // time the console shows.
        var hours = (to - from) >= TimeSpan.FromDays(1);
        foreach (var at in Ticks(from, to))
        {
            var x = X(at);
            if (x - Left < 16 || width - Right - x < 16)
            {
                // A label centred this close to an edge would run off the drawing or into its neighbour.
                continue;
            }

            var label = at.UtcDateTime.ToString(hours ? "MM-dd HH:mm" : "HH:mm", CultureInfo.InvariantCulture);
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{N(x)}\" y1=\"{N(Y(0))}\" x2=\"{N(x)}\" y2=\"{N(Y(0) + 4)}\" stroke=\"#333\" stroke-width=\"1\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{N(x)}\" y=\"{height - 12}\" text-anchor=\"middle\" font-size=\"12\" fill=\"#333\">{label}</text>");
        }

        svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" y1=\"{N(Y(0))}\" x2=\"{width - Right}\" y2=\"{N(Y(0))}\" stroke=\"#333\" stroke-width=\"1\"/>");
        foreach (var line in lines)
        {
            foreach (var run in Runs(line.Points.Where(p => p.At >= from && p.At <= to).ToList(), gap))
            {
                var dash = line.Dash is null ? "" : $" stroke-dasharray=\"{Text(line.Dash)}\"";
                if (run.Count == 1)
                {
                    // A lone sample between gaps would be an invisible zero-length line: a dot shows it.
                    svg.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{N(X(run[0].At))}\" cy=\"{N(Y(run[0].Value))}\" r=\"4\" fill=\"{Text(line.Stroke)}\"><title>{Text(line.Name)}</title></circle>");
                    continue;
                }

                var points = string.Join(" ", run.Select(p => $"{N(X(p.At))},{N(Y(p.Value))}"));
                svg.Append(CultureInfo.InvariantCulture, $"<polyline fill=\"none\" stroke=\"{Text(line.Stroke)}\" stroke-width=\"2\"{dash} points=\"{points}\"><title>{Text(line.Name)}</title></polyline>");
            }
        }

        svg.Append("</svg>");
        return svg.ToString();
    }

    /// <summary>The axis' top and the step between grid lines: 1, 2, 2.5 or 5 times a power of ten, at most four steps.</summary>
    public static (double Top, double Step) Scale(double max)
    {
        if (!(max > 0) || double.IsInfinity(max))
        {
            return (1, 0.25);
        }

        var rough = max / 4;
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(rough)));
        var step = new[] { 1, 2, 2.5, 5, 10 }.Select(f => f * magnitude).First(s => s >= rough);
        return (Math.Ceiling(max / step) * step, step);
    }

    /// <summary>Round times within the span, a step apart chosen so there are at most six of them.</summary>
    public static IEnumerable<DateTimeOffset> Ticks(DateTimeOffset from, DateTimeOffset to)
    {
        int[] minutes = [1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440];
        var step = minutes.Select(m => TimeSpan.FromMinutes(m)).FirstOrDefault(s => (to - from) / s <= 5, TimeSpan.FromDays(1));
        var ticks = from.UtcTicks % step.Ticks == 0 ? from.UtcTicks : from.UtcTicks - from.UtcTicks % step.Ticks + step.Ticks;
        for (var at = new DateTimeOffset(ticks, TimeSpan.Zero); at <= to; at += step)
        {
            yield return at;
        }
    }

    /// <summary>The points split where consecutive samples are further apart than <paramref name="gap"/>.</summary>
    public static IEnumerable<IReadOnlyList<ChartPoint>> Runs(IReadOnlyList<ChartPoint> points, TimeSpan gap)
    {
        var run = new List<ChartPoint>();
        foreach (var point in points)
        {
            if (run.Count > 0 && point.At - run[^1].At > gap)
            {
                yield return run;
                run = [];
            }

            run.Add(point);
        }

        if (run.Count > 0)
        {
            yield return run;
        }
    }

    private static string Label(double value, string unit) =>
        $"{value.ToString(value % 1 == 0 ? "0" : "0.##", CultureInfo.InvariantCulture)} {unit}".TrimEnd();

    private static string N(double value) => value.ToString("0.#", CultureInfo.InvariantCulture);

    private static string Text(string text) => WebUtility.HtmlEncode(text);
}
