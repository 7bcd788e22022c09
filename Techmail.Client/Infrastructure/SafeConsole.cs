using Spectre.Console;

namespace Techmail.Client.Infrastructure;

/// <summary>The client's output layer: every character printed, by any command, passes <see cref="TerminalText"/>.</summary>
public static class SafeConsole
{
    public static void Install()
    {
        // Spectre's console is made first, on the real standard output, so it still sees a terminal and keeps its own
        // colour codes; what it renders is cleaned by the hook. Then plain writes get the cleaning writers.
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out) });
        console.Pipeline.Attach(new CleanRenderHook());
        if (Console.IsOutputRedirected)
        {
            // Piped into grep or a file: do not squeeze tables into 80 columns.
            console.Profile.Width = 240;
        }
        else
        {
            console.Profile.Width = TerminalWidth();
        }

        AnsiConsole.Console = console;
        Console.SetOut(new CleanWriter(Console.Out));
        Console.SetError(new CleanWriter(Console.Error));
    }

    // Asked once here: once standard output is the cleaning writer, Spectre no longer recognises it as the terminal.
    private static int TerminalWidth()
    {
        try
        {
            return Console.WindowWidth > 0 ? Console.WindowWidth : 80;
        }
        catch (IOException)
        {
            return 80;
        }
    }
}
