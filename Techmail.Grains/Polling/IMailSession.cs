namespace Techmail.Polling;

/// <summary>One logged-in session with a mail server. Deletions take effect at <see cref="Commit"/> (POP3 QUIT, IMAP EXPUNGE).</summary>
public interface IMailSession : IAsyncDisposable
{
    Task<IReadOnlyList<RemoteMessage>> List(CancellationToken cancellationToken);

    /// <summary>Downloads several messages, pipelined where the server allows it.</summary>
    Task<IReadOnlyList<FetchedMessage>> Fetch(IReadOnlyList<RemoteMessage> messages, CancellationToken cancellationToken);

    /// <summary>Marks messages for removal (or, for IMAP with a processed folder, moves them there).</summary>
    Task Delete(IReadOnlyList<RemoteMessage> messages, CancellationToken cancellationToken);

    /// <summary>Makes the deletions final and ends the session.</summary>
    Task Commit(CancellationToken cancellationToken);
}
