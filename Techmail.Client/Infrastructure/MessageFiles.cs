namespace Techmail.Client.Infrastructure;

/// <summary>The offline commands' way through a list of message files.</summary>
public static class MessageFiles
{
    /// <summary>Hands each readable file's bytes to <paramref name="each"/>; an unreadable one is reported and skipped.</summary>
    /// <returns>The exit code: refused when any file could not be read, so scripts notice.</returns>
    public static async Task<int> ForEach(IEnumerable<string> files, Action<string, byte[]> each, CancellationToken cancellationToken)
    {
        var failed = false;
        foreach (var file in files)
        {
            byte[] raw;
            try
            {
                raw = await File.ReadAllBytesAsync(file, cancellationToken);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // One unreadable file should not hide what the others say; the exit code still tells.
                Output.Error($"{file}: {e.Message}");
                failed = true;
                continue;
            }

            each(file, raw);
        }

        return failed ? ExitCodes.Refused : ExitCodes.Ok;
    }
}
