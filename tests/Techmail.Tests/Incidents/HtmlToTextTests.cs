using Techmail.Incidents.Parsing;

namespace Techmail.Tests.Incidents;

/// <summary>The HTML conversion on its own, for the shapes mail bodies take.</summary>
public sealed class HtmlToTextTests
{
    [Fact]
    public void Links_show_their_target_unless_the_text_already_is_it()
    {
        var text = HtmlToText.Convert("""
            <a href="https://x.test/a">portal</a>,
            <a href="https://x.test/b">https://x.test/b</a>,
            <a href="mailto:help@x.test?subject=hi">write us</a>,
            <a href="#top">top</a>,
            <a href="https://x.test/img"><img src="cid:logo"></a>
            """);

        Assert.Equal("portal (https://x.test/a), https://x.test/b, write us (help@x.test), top, https://x.test/img", text);
    }

    [Fact]
    public void Table_cells_are_spaced_and_rows_are_lines()
    {
        var text = HtmlToText.Convert("<table><tr><td>Name</td><td>Bob</td></tr><tr><td>Room</td><td>4.2</td></tr></table>");

        Assert.Equal("Name Bob\nRoom 4.2", text);
    }

    [Fact]
    public void Consecutive_br_keep_their_empty_lines_but_blank_runs_are_capped()
    {
        var text = HtmlToText.Convert("one<br><br>two<p></p><p></p><p></p><div>three</div><br><br><br><br>four");

        Assert.Equal("one\n\ntwo\n\nthree\n\nfour", text);
    }

    [Fact]
    public void Preformatted_text_keeps_its_spacing()
    {
        var text = HtmlToText.Convert("<p>Output:</p><pre>a   b\n  c</pre><p>end</p>");

        Assert.Equal("Output:\n\na   b\n  c\n\nend", text);
    }

    [Fact]
    public void Comments_and_outlook_conditionals_are_dropped()
    {
        var text = HtmlToText.Convert("<!--[if gte mso 9]><xml><o:OfficeDocumentSettings/></xml><![endif]--><p>Visible</p><!-- hidden -->");

        Assert.Equal("Visible", text);
    }

    [Fact]
    public void Unclosed_markup_still_gives_its_text()
    {
        var text = HtmlToText.Convert("<div><p>Broken <b>markup <a href=\"https://x.test\">here");

        Assert.Equal("Broken markup here (https://x.test)", text);
    }
}
