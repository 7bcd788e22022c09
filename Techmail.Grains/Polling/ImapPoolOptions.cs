namespace Techmail.Polling;

/// <summary>
/// How many logged-in IMAP connections the silo keeps between polls, and for how long (see <see cref="ImapConnectionPool"/>).
/// </summary>
public sealed record ImapPoolOptions
{
    /// <summary>Connections kept across the silo; 0 turns keeping off (every poll logs in and out).</summary>
    public int MaxConnections { get; init; } = 1000;

    /// <summary>
    /// Connections kept for one account (server and user): providers limit connections per account (Gmail about 15,
    /// Microsoft 365 about 20), and the account's people and other programs need theirs.
    /// </summary>
    public int MaxPerAccount { get; init; } = 2;

    /// <summary>
    /// A kept connection unused this long is logged out. Below the 30 minutes servers must wait before logging out
    /// an idle client (RFC 9051), and below the five minutes many NAT gateways keep a quiet connection; above a
    /// one-minute poll interval with room for lateness. Only mailboxes polled more often than this keep one.
    /// </summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(150);
}
