using Techmail.Bounces;

namespace Techmail.Contacts;

/// <summary>Applies one bounce to an address: the rules of <see cref="BouncePolicy"/>, without a cluster.</summary>
public static class AddressPolicy
{
    /// <summary>
    /// What the reason of an address flagged for its soft bounces says after their number ("3 soft bounces within 15
    /// days ..."): a mailing's waiting retry to such an address has failed rather than been suppressed.
    /// </summary>
    public const string SoftLimitReason = " soft bounces within ";

    /// <returns>False when the bounce was already recorded (the same message seen again).</returns>
    public static bool Apply(AddressState state, BounceEvent bounce, BouncePolicy policy)
    {
        if (state.History.Any(h => h.MessageKey == bounce.MessageKey))
        {
            return false;
        }

        state.History.Add(bounce);
        if (state.History.Count > policy.HistoryLength)
        {
            state.History.RemoveRange(0, state.History.Count - policy.HistoryLength);
        }

        if (string.Equals(bounce.Reason, "feedback", StringComparison.OrdinalIgnoreCase))
        {
            // A spam complaint: the person asked, in effect, never to be mailed again.
            state.OptedOut = true;
            return true;
        }

        switch (bounce.HardBounce)
        {
            case true when !state.Invalid:
                MarkInvalid(state, bounce.Received, $"hard bounce: {bounce.Reason}{Code(bounce)}");
                break;
            case false when !state.Invalid:
                var since = Max(bounce.Received - policy.SoftCountWindow, state.CountSoftAfter);
                var soft = state.History.Count(h => h.HardBounce == false && h.Received > since && h.Received <= bounce.Received);
                if (soft >= policy.SoftLimit)
                {
                    MarkInvalid(state, bounce.Received, $"{soft}{SoftLimitReason}{policy.SoftCountWindow.TotalDays:0} days (last: {bounce.Reason}{Code(bounce)})");
                }

                break;
        }

        // Delivered and vacation reports (HardBounce null) are history only: they never count against an address.
        return true;
    }

    public static void Revalidate(AddressState state, DateTimeOffset now)
    {
        state.Invalid = false;
        state.InvalidReason = null;
        state.InvalidSince = null;
        state.OptedOut = false;
        state.CountSoftAfter = now;
    }

    public static DateTimeOffset? RetryUntil(AddressState state, BouncePolicy policy) =>
        state.Invalid ? null : state.History.LastOrDefault(h => h.HardBounce == false)?.Received + policy.SoftRetryWindow;

    private static void MarkInvalid(AddressState state, DateTimeOffset when, string reason)
    {
        state.Invalid = true;
        state.InvalidReason = reason;
        state.InvalidSince = when;
    }

    private static string Code(BounceEvent b) => b.Status is null ? "" : $", {b.Status}";

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;
}
