using Techmail.Polling;

namespace Techmail.Authentication;

/// <summary>How a client proves who it is: a SASL mechanism, POP3's APOP, or the protocol's own login command.</summary>
public enum SignInKind
{
    Sasl,
    Apop,
    /// <summary>POP3 USER/PASS, or IMAP's LOGIN command when the server offers no SASL LOGIN.</summary>
    Command,
}

public sealed record SignInChoice(string Mechanism, SignInKind Kind);

/// <summary>
/// Picks the way to log in from what the admin allows (in order of preference) and what the server offers, and
/// refuses before anything is sent when the connection has no TLS and the admin did not allow logging in without it.
/// </summary>
public static class SignInPlan
{
    /// <summary>POP3's USER/PASS, named like a mechanism so an admin can choose or exclude it.</summary>
    public const string User = "USER";

    /// <summary>Without a preference, the strongest the server offers: first those that never show the password.</summary>
    public static readonly IReadOnlyList<string> DefaultOrder =
        ["SCRAM-SHA-512", "SCRAM-SHA-256", "SCRAM-SHA-1", "CRAM-MD5", "DIGEST-MD5", "APOP", "PLAIN", "LOGIN", User];

    /// <summary>These send the password, or a bearer token as good as one, readable to anyone on the wire.</summary>
    private static readonly HashSet<string> Revealing = new(StringComparer.OrdinalIgnoreCase)
    {
        "PLAIN", "LOGIN", User, "XOAUTH2", "OAUTHBEARER",
    };

    public static bool RevealsSecret(string mechanism) => Revealing.Contains(mechanism);

    /// <param name="server">Names the server in errors.</param>
    /// <param name="wanted">The admin's mechanisms in order of preference; empty means <see cref="DefaultOrder"/>.</param>
    /// <param name="offered">What the server offers: its SASL mechanisms, plus APOP, USER or LOGIN when it takes those commands.</param>
    /// <param name="saslOffered">Which of <paramref name="offered"/> are SASL mechanisms.</param>
    /// <param name="allowPlaintextOption">The client option that would allow it, for the error.</param>
    /// <exception cref="MailFetchException">Nothing acceptable is offered (Authentication: retrying cannot help).</exception>
    public static SignInChoice Choose(
        string server,
        IReadOnlyList<string> wanted,
        IReadOnlyCollection<string> offered,
        IReadOnlyCollection<string> saslOffered,
        bool encrypted,
        bool allowPlaintext,
        string allowPlaintextOption)
    {
        var order = wanted.Count > 0 ? wanted : DefaultOrder;
        var available = order.Where(m => offered.Contains(m, StringComparer.OrdinalIgnoreCase)).Select(m => m.ToUpperInvariant()).ToList();
        if (available.Count == 0)
        {
            var offers = offered.Count == 0 ? "nothing" : string.Join(", ", offered.Order(StringComparer.OrdinalIgnoreCase));
            throw new MailFetchException(
                MailFetchFailure.Authentication,
                wanted.Count > 0
                    ? $"{server}: offers none of the chosen mechanisms ({string.Join(", ", wanted)}); it offers {offers}."
                    : $"{server}: offers no login mechanism Techmail supports; it offers {offers}.");
        }

        // Without TLS every login needs the admin's permission: the secret-revealing ones show it to a listener, and a
        // challenge-response exchange (CRAM-MD5, APOP, SCRAM) captured off the wire can be cracked offline.
        if (!encrypted && !allowPlaintext)
        {
            var first = available[0];
            var secret = available.All(m => m is "XOAUTH2" or "OAUTHBEARER") ? "OAuth token" : "password";
            throw new MailFetchException(
                MailFetchFailure.Authentication,
                RevealsSecret(first)
                    ? $"{server}: Techmail refuses to send the {secret} unencrypted ({first} without TLS); use TLS or allow it with {allowPlaintextOption}."
                    : $"{server}: Techmail refuses to log in with {first} without TLS, since a captured exchange can be cracked offline; use TLS or allow it with {allowPlaintextOption}.");
        }

        var mechanism = available[0];
        var kind = saslOffered.Contains(mechanism, StringComparer.OrdinalIgnoreCase) ? SignInKind.Sasl
            : mechanism == "APOP" ? SignInKind.Apop
            : SignInKind.Command;
        return new SignInChoice(mechanism, kind);
    }
}
