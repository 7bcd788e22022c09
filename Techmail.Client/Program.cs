if (Console.IsOutputRedirected)
{
    // Piped into grep or a file: do not squeeze tables into 80 columns.
    Spectre.Console.AnsiConsole.Profile.Width = 240;
}

return await Techmail.Client.TechmailApp.Run(args);
