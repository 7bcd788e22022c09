namespace Techmail.Client.Infrastructure;

/// <summary>
/// Waiting for work the silo queued to reach its end (a send, a reprocessing): the call that queued it answered at
/// once, so the client looks again every quarter of a second until the work is done or the time is up.
/// </summary>
public static class OutcomeWait
{
    public const int DefaultTimeoutSeconds = 60;

    /// <returns>The last look; <paramref name="done"/> tells whether it is the end or the time ran out.</returns>
    public static async Task<T> Until<T>(Func<Task<T>> look, Func<T, bool> done, int timeoutSeconds, CancellationToken cancellationToken)
    {
        var deadline = DateTimeOffset.UtcNow.AddSeconds(timeoutSeconds);
        var last = await look();
        while (!done(last) && DateTimeOffset.UtcNow < deadline)
        {
            await Task.Delay(250, cancellationToken);
            last = await look();
        }

        return last;
    }

    /// <summary>Refuses a timeout that could never be waited for, before anything is queued.</summary>
    public static void Check(bool wait, int timeoutSeconds)
    {
        if (wait && timeoutSeconds <= 0)
        {
            throw new CommandFailure("--timeout must be a positive number of seconds.");
        }
    }
}
