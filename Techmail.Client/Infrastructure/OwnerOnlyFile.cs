namespace Techmail.Client.Infrastructure;

/// <summary>
/// Writes a file that may hold secrets so that only its owner can read it (0600), also when a file of that name
/// already exists: its permissions are narrowed before a byte is written, instead of kept as they were.
/// </summary>
public static class OwnerOnlyFile
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <exception cref="CommandFailure">The path is a directory, a symbolic link, or not a file that can hold text.</exception>
    public static async Task WriteAllText(string path, string text, CancellationToken cancellationToken)
    {
        try
        {
            await using var stream = Open(path);
            await using var writer = new StreamWriter(stream, new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
            await writer.WriteAsync(text.AsMemory(), cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Another user's file cannot be narrowed to owner-only by us: say so rather than write secrets into it.
            throw new CommandFailure($"cannot write {path} owner-only: {e.Message}", ExitCodes.Usage);
        }
    }

    private static FileStream Open(string path)
    {
        if (Directory.Exists(path))
        {
            throw new CommandFailure($"{path} is a directory.", ExitCodes.Usage);
        }

        // A link could point anywhere (another user's file, /dev/stdout); a file holding secrets is written only as itself.
        if (new FileInfo(path).LinkTarget is not null)
        {
            throw new CommandFailure($"{path} is a symbolic link; give the path of a file (or leave the option out to write to standard output).", ExitCodes.Usage);
        }

        if (OperatingSystem.IsWindows())
        {
            return new FileStream(path, FileMode.Create, FileAccess.Write);
        }

        try
        {
            // A new file is created owner-only from the start.
            return new FileStream(path, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = OwnerOnly });
        }
        catch (IOException) when (File.Exists(path))
        {
            // It exists: narrow it first, then empty it, so the secrets never sit in a file others may read.
            var existing = new FileStream(path, FileMode.Open, FileAccess.Write);
            try
            {
                if (!existing.CanSeek)
                {
                    throw new CommandFailure($"{path} is not a regular file (a pipe or a terminal); leave the option out to write to standard output.", ExitCodes.Usage);
                }

                File.SetUnixFileMode(existing.SafeFileHandle, OwnerOnly);
                existing.SetLength(0);
                return existing;
            }
            catch
            {
                existing.Dispose();
                throw;
            }
        }
    }
}
