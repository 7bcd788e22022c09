using Spectre.Console;
using Techmail.Client.Infrastructure;

namespace Techmail.Tests.Unit;

public sealed class TerminalTextTests
{
    [Fact]
    public void Plain_text_with_newlines_and_tabs_is_kept_as_it_is()
    {
        const string text = "Dear support,\n\tthe printer — größer — is broken.\n";
        Assert.Same(text, TerminalText.Clean(text));
    }

    [Theory]
    [InlineData("\u001b[31mred", "\u241b[31mred")]
    [InlineData("bell\u0007", "bell\u2407")]
    [InlineData("nul\0", "nul\u2400")]
    [InlineData("over\rwrite", "over\u240dwrite")]
    [InlineData("line\r\nend", "line\nend")]
    [InlineData("del\u007f", "del\u2421")]
    [InlineData("csi\u009b2J", "csi\ufffd2J")]
    [InlineData("txt.\u202egpj", "txt.\ufffdgpj")]
    [InlineData("isolate\u2066x\u2069", "isolate\ufffdx\ufffd")]
    public void Control_characters_are_shown_by_a_visible_stand_in(string text, string shown)
    {
        Assert.Equal(shown, TerminalText.Clean(text));
    }

    [Fact]
    public void The_writer_cleans_every_way_text_is_written()
    {
        var inner = new StringWriter();
        var writer = new CleanWriter(inner);

        writer.Write('\u001b');
        writer.Write("[2J");
        writer.WriteLine("a\u0007b");
        writer.Write("x\u001b".ToCharArray(), 0, 2);
        writer.Write($"{1}\u001b{2}");

        Assert.Equal("\u241b[2Ja\u2407b" + inner.NewLine + "x\u241b1\u241b2", inner.ToString());
    }

    [Fact]
    public void What_spectre_renders_is_cleaned_while_its_own_styles_stay()
    {
        var output = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output), Ansi = AnsiSupport.Yes, ColorSystem = ColorSystemSupport.Standard });
        console.Pipeline.Attach(new CleanRenderHook());

        console.Write(new Table().AddColumns("Subject").AddRow(Markup.Escape("Refund \u001b]0;owned\u0007 now")));
        console.MarkupLine($"[red]{Markup.Escape("alert\u001b[2J")}[/]");

        var written = output.ToString();
        Assert.Contains("Refund \u241b]0;owned\u2407 now", written);
        Assert.Contains("alert\u241b[2J", written);
        // Spectre's own colour code for [red] is still there: only text is cleaned.
        Assert.Contains("\u001b[91malert", written);
        Assert.DoesNotContain("\u0007", written);
    }
}
