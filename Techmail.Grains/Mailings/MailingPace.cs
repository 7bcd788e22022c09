namespace Techmail.Mailings;

/// <summary>
/// A mailing's pace (<c>--rate</c>): a token bucket filled at the mailing's rate, from which each tick takes the
/// recipients it hands to the outbox. A plain class, apart from the grain, so its arithmetic is tested with a clock the
/// test moves. Held per activation: a new activation, or a resume, starts again from one recipient's credit.
/// </summary>
public sealed class MailingPace(TimeProvider time)
{
    private double _credit;
    private DateTimeOffset? _creditAt;

    /// <summary>Starts over (the mailing starts or resumes): the time paused or idle earns nothing.</summary>
    public void Restart()
    {
        _credit = 0;
        _creditAt = null;
    }

    /// <summary>How many recipients may be queued now: <paramref name="room"/> in the outbox, within the pace.</summary>
    /// <param name="ratePerMinute">Null: unpaced, as many as there is room for.</param>
    public int Allowance(int? ratePerMinute, int room)
    {
        if (ratePerMinute is not { } rate)
        {
            return room;
        }

        var now = time.GetUtcNow();
        // One recipient to start with, then the rate's share of the time since; at most five seconds' worth saved up,
        // so a pace never turns into a burst after a slow tick.
        _credit = _creditAt is { } at ? _credit + ((now - at).TotalMinutes * rate) : 1;
        _creditAt = now;
        _credit = Math.Min(_credit, MaxSaved(rate));
        // A hair of slack: a credit of exactly one made of fractions (0.5 + 0.5 minutes of rate) must not floor to zero.
        return (int)Math.Max(0, Math.Min(room, Math.Floor(_credit + 1e-9)));
    }

    /// <summary>Takes what was queued out of the credit.</summary>
    public void Spend(int recipients) => _credit -= recipients;

    /// <summary>The most credit saved up: five seconds of the rate (one twelfth of a minute), never less than one recipient.</summary>
    public static double MaxSaved(int ratePerMinute) => Math.Max(1, ratePerMinute / 12.0);
}
