namespace Techmail.Client.Infrastructure;

/// <summary>A failure with the one-line reason the user sees and the exit code scripts see.</summary>
public sealed class CommandFailure(string message, int exitCode = ExitCodes.Usage) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
