namespace Techmail.Polling;

/// <summary>A session that gives its account's slot (<see cref="IAccountSessionLimit"/>) back when it ends.</summary>
internal sealed class LeasedSession(IMailSession session, IDisposable lease) : IMailSession
{
    public bool SplitsLongPolls => session.SplitsLongPolls;

    public Task<IReadOnlyList<RemoteMessage>> List(CancellationToken cancellationToken) => session.List(cancellationToken);

    public Task<IReadOnlyList<FetchedMessage>> Fetch(IReadOnlyList<RemoteMessage> messages, CancellationToken cancellationToken) =>
        session.Fetch(messages, cancellationToken);

    public Task Delete(IReadOnlyList<RemoteMessage> messages, CancellationToken cancellationToken) => session.Delete(messages, cancellationToken);

    public Task Commit(CancellationToken cancellationToken) => session.Commit(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await session.DisposeAsync();
        }
        finally
        {
            lease.Dispose();
        }
    }
}
