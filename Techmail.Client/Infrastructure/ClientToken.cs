namespace Techmail.Client.Infrastructure;

/// <summary>
/// Which token the client sends: --token, else --token-file, else $TECHMAIL_TOKEN, else $TECHMAIL_TOKEN_FILE, else the
/// operator token a silo wrote to data/operator-token when the client runs in the directory that holds data/ (the
/// README's layout). None at all is not refused here: the silo says what is missing, in one line.
/// </summary>
public static class ClientToken
{
    public const string BesideData = "data/operator-token";

    public static string? Resolve(GlobalSettings settings)
    {
        if (settings.Token is not null && settings.TokenFile is not null)
        {
            throw new CommandFailure("give --token or --token-file, not both.");
        }

        if (settings.Token is { } token)
        {
            return NonEmpty(token, "--token");
        }

        if (settings.TokenFile is { } file)
        {
            return Read(file, "--token-file");
        }

        if (Environment.GetEnvironmentVariable("TECHMAIL_TOKEN") is { Length: > 0 } fromEnvironment)
        {
            return NonEmpty(fromEnvironment, "$TECHMAIL_TOKEN");
        }

        if (Environment.GetEnvironmentVariable("TECHMAIL_TOKEN_FILE") is { Length: > 0 } fileFromEnvironment)
        {
            return Read(fileFromEnvironment, "$TECHMAIL_TOKEN_FILE");
        }

        return File.Exists(BesideData) ? Read(BesideData, BesideData) : null;
    }

    private static string Read(string file, string source)
    {
        try
        {
            return NonEmpty(File.ReadLines(file).FirstOrDefault() ?? "", $"{source} ({file})");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CommandFailure($"cannot read the token file {file} ({source}): {e.Message}");
        }
    }

    private static string NonEmpty(string token, string source) =>
        token.Trim() is { Length: > 0 } trimmed ? trimmed : throw new CommandFailure($"{source} is empty; it should hold a token from 'techmail token create'.");
}
