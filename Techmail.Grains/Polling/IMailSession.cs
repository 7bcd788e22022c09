namespace Techmail.Polling;

/// <summary>One logged-in session with a mail server. POP3 deletions take effect at <see cref="Commit"/> (QUIT); IMAP ones at each <see cref="Delete"/>.</summary>
public interface IMailSession : IAsyncDisposable
{
    /// <summary>
    /// True when deletions become final only as the session ends and a later session can find the rest of a listing
    /// again by UID (POP3 with UIDL). A long poll is then split into several sessions, so a dropped line costs at
    /// most one session's downloads; IMAP makes its deletions final within the session and needs no split.
    /// </summary>
    bool SplitsLongPolls { get; }

    Task<IReadOnlyList<RemoteMessage>> List(CancellationToken cancellationToken);

    /// <summary>Downloads several messages, pipelined where the server allows it.</summary>
    Task<IReadOnlyList<FetchedMessage>> Fetch(IReadOnlyList<RemoteMessage> messages, CancellationToken cancellationToken);

    /// <summary>
    /// Removes messages: POP3 marks them (final at QUIT); IMAP expunges them, or moves them to a processed folder, at once.
    /// </summary>
    Task Delete(IReadOnlyList<RemoteMessage> messages, CancellationToken cancellationToken);

    /// <summary>Makes any deletions still pending final and ends the session.</summary>
    Task Commit(CancellationToken cancellationToken);
}
