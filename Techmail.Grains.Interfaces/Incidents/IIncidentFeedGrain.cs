namespace Techmail.Incidents;

/// <summary>
/// What changed among one tenant's incidents, for screens that follow them live (the web console). Key: the tenant.
/// Changes are found in the incidents table, whoever made them (intake on any silo, an agent, the CLI, the API), so
/// no writer has to remember to announce one. A screen takes a <see cref="Position"/> before it reads the incidents
/// it shows, then asks for what changed <see cref="After"/> it.
/// </summary>
[Alias("Techmail.IIncidentFeedGrain")]
public interface IIncidentFeedGrain : IGrainWithStringKey
{
    /// <summary>Where the feed stands now; it watches the table from here on while anyone asks.</summary>
    [Alias("Position"), Requires(Permission.ReadWork)]
    Task<FeedPosition> Position();

    /// <summary>
    /// The incidents changed after <paramref name="position"/>, each once with its newest state; waits up to
    /// <paramref name="wait"/> (at most 25 seconds) for one, and answers with none when nothing changed meanwhile.
    /// </summary>
    [Alias("After"), Requires(Permission.ReadWork)]
    Task<IncidentActivity> After(FeedPosition position, TimeSpan wait);
}

/// <param name="Epoch">The feed's activation: a position from another one cannot be continued.</param>
/// <param name="Sequence">How many changes the feed had seen.</param>
[GenerateSerializer, Immutable, Alias("Techmail.FeedPosition")]
public sealed record FeedPosition(
    [property: Id(0)] Guid Epoch,
    [property: Id(1)] long Sequence)
{
    public override string ToString() => $"{Epoch:N}.{Sequence}";

    public static FeedPosition? Parse(string? text) =>
        text?.Split('.') is [var epoch, var sequence] && Guid.TryParseExact(epoch, "N", out var e) && long.TryParse(sequence, out var s) && s >= 0
            ? new FeedPosition(e, s)
            : null;
}

/// <param name="Changed">The incidents that changed, in their newest state, oldest change first.</param>
/// <param name="Position">Where to ask from next.</param>
/// <param name="Restart">
/// The position cannot be continued (the feed restarted, or more changed at once than it lists): whoever shows
/// incidents should read them again.
/// </param>
[GenerateSerializer, Immutable, Alias("Techmail.IncidentActivity")]
public sealed record IncidentActivity(
    [property: Id(0)] IReadOnlyList<IncidentSummary> Changed,
    [property: Id(1)] FeedPosition Position,
    [property: Id(2)] bool Restart);
