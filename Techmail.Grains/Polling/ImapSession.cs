using MailKit;
using MailKit.Net.Imap;

namespace Techmail.Polling;

/// <summary>IMAP INBOX: UIDs for identity; handled mail is flagged deleted and expunged, or moved to a processed folder.</summary>
internal sealed class ImapSession : IMailSession
{
    private readonly ImapClient _client;
    private readonly IMailFolder _inbox;
    private readonly IMailFolder? _processed;
    private readonly List<UniqueId> _deleted = [];

    private ImapSession(ImapClient client, IMailFolder inbox, IMailFolder? processed)
    {
        _client = client;
        _inbox = inbox;
        _processed = processed;
    }

    public static async Task<ImapSession> Open(ImapClient client, string? processedFolder, CancellationToken cancellationToken)
    {
        await client.Inbox.OpenAsync(FolderAccess.ReadWrite, cancellationToken);
        IMailFolder? processed = null;
        if (processedFolder is { Length: > 0 })
        {
            var root = client.GetFolder(client.PersonalNamespaces[0]);
            try
            {
                processed = await root.GetSubfolderAsync(processedFolder, cancellationToken);
            }
            catch (FolderNotFoundException)
            {
                processed = await root.CreateAsync(processedFolder, true, cancellationToken);
            }
        }

        return new ImapSession(client, client.Inbox, processed);
    }

    public bool SplitsLongPolls => false;

    public async Task<IReadOnlyList<RemoteMessage>> List(CancellationToken cancellationToken)
    {
        if (_inbox.Count == 0)
        {
            return [];
        }

        // Messages flagged deleted by a session that died before EXPUNGE are listed too: their keys are
        // known, so they are deleted again without a second hand-off.
        var summaries = await _inbox.FetchAsync(0, -1, MessageSummaryItems.UniqueId | MessageSummaryItems.Size, cancellationToken);
        return summaries
            .Select(s => new RemoteMessage((int)s.UniqueId.Id, $"{_inbox.UidValidity}:{s.UniqueId.Id}", s.Size ?? 0))
            .ToList();
    }

    public async Task<IReadOnlyList<FetchedMessage>> Fetch(IReadOnlyList<RemoteMessage> messages, CancellationToken cancellationToken)
    {
        var fetched = new FetchedMessage[messages.Count];
        for (var i = 0; i < messages.Count; i++)
        {
            using var stream = await _inbox.GetStreamAsync(new UniqueId((uint)messages[i].Index), cancellationToken);
            fetched[i] = new FetchedMessage(messages[i], Pop3Session.ReadAll(stream));
        }

        return fetched;
    }

    public async Task Delete(IReadOnlyList<RemoteMessage> messages, CancellationToken cancellationToken)
    {
        if (messages.Count == 0)
        {
            return;
        }

        var uids = messages.Select(m => new UniqueId((uint)m.Index)).ToList();
        if (_processed is not null)
        {
            await _inbox.MoveToAsync(uids, _processed, cancellationToken);
            return;
        }

        await _inbox.AddFlagsAsync(uids, MessageFlags.Deleted, true, cancellationToken);
        _deleted.AddRange(uids);
    }

    public async Task Commit(CancellationToken cancellationToken)
    {
        if (_deleted.Count > 0)
        {
            // UID EXPUNGE removes only our messages, never ones another client flagged.
            if (_client.Capabilities.HasFlag(ImapCapabilities.UidPlus))
            {
                await _inbox.ExpungeAsync(_deleted, cancellationToken);
            }
            else
            {
                await _inbox.ExpungeAsync(cancellationToken);
            }
        }

        await _client.DisconnectAsync(true, cancellationToken);
    }

    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        return ValueTask.CompletedTask;
    }
}
