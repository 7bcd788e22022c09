namespace Techmail.Incidents;

/// <summary>
/// Turns one Service mailbox's recorded mail into incidents, in arrival order, in the background: polling only
/// waits for the durable record, never for incidents, rules or acknowledgements. Key: the mailbox key.
/// </summary>
[Alias("Techmail.IIncidentBuilderGrain")]
public interface IIncidentBuilderGrain : IGrainWithStringKey
{
    /// <summary>There may be new mail to build incidents from.</summary>
    [Alias("Wake"), Orleans.Concurrency.OneWay, Requires(Permission.Engine)]
    Task Wake();

    /// <summary>Builds everything recorded so far and returns when done (tests and benchmarks wait on it).</summary>
    [Alias("Drain"), Requires(Permission.Engine)]
    Task<int> Drain();
}
