using System.Xml.Linq;
using Techmail.Silo.WebConsole.Admin.ClusterHealth;

namespace Techmail.Tests.Unit;

public sealed class AdminClusterHealthChartTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 7, 10, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(0, 1, 0.25)]
    [InlineData(3.2, 4, 1)]
    [InlineData(17, 20, 5)]
    [InlineData(950, 1000, 250)]
    [InlineData(0.07, 0.08, 0.02)]
    public void The_axis_top_is_a_round_number_just_above_the_largest_value(double max, double top, double step)
    {
        var (t, s) = SvgLineChart.Scale(max);
        Assert.Equal(top, t, 9);
        Assert.Equal(step, s, 9);
    }

    [Fact]
    public void The_chart_is_well_formed_svg_with_a_name_labels_and_one_line_per_run_of_samples()
    {
        var points = new List<ChartPoint>();
        for (var i = 0; i < 10; i++)
        {
            points.Add(new ChartPoint(Start.AddSeconds(30 * i), i));
        }

        // The silo was down for ten minutes: the line breaks there instead of bridging it.
        points.Add(new ChartPoint(Start.AddMinutes(15), 4));
        points.Add(new ChartPoint(Start.AddMinutes(15.5), 5));
        var svg = SvgLineChart.Render("Poll lateness <p99>", "s", [new ChartLine("p99", "#1f4e9c", null, points)], Start, Start.AddMinutes(20), TimeSpan.FromSeconds(75));

        var doc = XElement.Parse(svg);
        XNamespace ns = "http://www.w3.org/2000/svg";
        Assert.Equal("img", (string?)doc.Attribute("role"));
        Assert.Equal("Poll lateness <p99>", doc.Element(ns + "title")!.Value);
        Assert.Equal(2, doc.Elements(ns + "polyline").Count());
        Assert.Equal(10, ((string)doc.Elements(ns + "polyline").First().Attribute("points")!).Split(' ').Length);
        Assert.Contains(doc.Elements(ns + "text"), t => t.Value == "10 s");
        Assert.Equal(["10:05", "10:10", "10:15"], doc.Elements(ns + "text").Select(t => t.Value).Where(v => v.Contains(':')));
    }

    [Fact]
    public void A_lone_sample_shows_as_a_dot_and_an_empty_series_still_draws_the_axes()
    {
        var one = XElement.Parse(SvgLineChart.Render("backlog", "mails", [new ChartLine("waiting", "#000", "4 2", [new ChartPoint(Start.AddMinutes(1), 3)])], Start, Start.AddMinutes(5), TimeSpan.FromMinutes(1)));
        var none = XElement.Parse(SvgLineChart.Render("backlog", "mails", [new ChartLine("waiting", "#000", null, [])], Start, Start.AddMinutes(5), TimeSpan.FromMinutes(1)));

        XNamespace ns = "http://www.w3.org/2000/svg";
        Assert.Single(one.Elements(ns + "circle"));
        Assert.Empty(none.Elements(ns + "polyline"));
        Assert.Contains(none.Elements(ns + "text"), t => t.Value == "0 mails");
    }

    [Fact]
    public void Time_labels_fall_on_round_minutes_at_most_six_of_them()
    {
        var from = new DateTimeOffset(2026, 12, 7, 11, 36, 10, TimeSpan.Zero);

        Assert.Equal(["11:37", "11:38", "11:39", "11:40", "11:41"], SvgLineChart.Ticks(from, from.AddMinutes(5)).Select(t => t.ToString("HH:mm")));
        Assert.Equal(["11:45", "12:00", "12:15", "12:30"], SvgLineChart.Ticks(from, from.AddHours(1)).Select(t => t.ToString("HH:mm")));
        Assert.Equal(["10:00", "12:00", "14:00", "16:00"], SvgLineChart.Ticks(Start, Start.AddHours(6)).Select(t => t.ToString("HH:mm")));
    }

    [Fact]
    public void The_history_keeps_the_newest_samples_oldest_first()
    {
        var history = new ClusterHealthHistory(capacity: 3);
        for (var i = 0; i < 5; i++)
        {
            history.Add(new ClusterHealthSample(Start.AddMinutes(i), TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero, i, 0, i, 0));
        }

        Assert.Equal([2L, 3L, 4L], history.Since().Select(s => s.Waiting));
        Assert.Equal([4L], history.Since(Start.AddMinutes(4)).Select(s => s.Waiting));
    }
}
