using MailKit;
using MailKit.Net.Imap;

namespace Techmail.Polling;

/// <summary>
/// IMAP INBOX: UIDs for identity. Handled mail leaves the server batch by batch, each deletion final at once: flagged
/// and expunged by UID (UID EXPUNGE with UIDPLUS), or moved to a processed folder (MOVE where the server has it).
/// </summary>
internal sealed class ImapSession : IMailSession
{
    private readonly KeptImapConnection _connection;
    private readonly ImapFolder _inbox;
    private readonly IMailFolder? _processed;
    private readonly long _maxDownloadBytes;
    private readonly Func<KeptImapConnection, bool>? _keep;
    private bool _kept;

    private ImapSession(KeptImapConnection connection, IMailFolder? processed, long maxDownloadBytes, Func<KeptImapConnection, bool>? keep)
    {
        _connection = connection;
        _inbox = (ImapFolder)connection.Client.Inbox;
        _processed = processed;
        _maxDownloadBytes = maxDownloadBytes;
        _keep = keep;
    }

    /// <summary>
    /// Selects the INBOX (again, on a kept connection: SELECT's answer is the fresh message count, so an empty poll
    /// needs no other command) and finds the processed folder.
    /// </summary>
    /// <param name="keep">Offered the connection once the poll went well; true when it took it (no LOGOUT then).</param>
    public static async Task<ImapSession> Open(KeptImapConnection connection, string? processedFolder, long maxDownloadBytes, Func<KeptImapConnection, bool>? keep, CancellationToken cancellationToken)
    {
        var client = connection.Client;
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

        return new ImapSession(connection, processed, maxDownloadBytes, keep);
    }

    /// <summary>Deletions are final batch by batch, so a long poll needs no second session.</summary>
    public bool SplitsLongPolls => false;

    public async Task<IReadOnlyList<RemoteMessage>> List(CancellationToken cancellationToken)
    {
        if (_inbox.Count == 0)
        {
            return [];
        }

        // Messages flagged deleted by a session that died between the flag and the EXPUNGE are listed too: their keys
        // are known, so they are deleted again without a second hand-off.
        var summaries = await _inbox.FetchAsync(0, -1, MessageSummaryItems.UniqueId | MessageSummaryItems.Size, cancellationToken);
        return summaries
            .Select(s => new RemoteMessage((int)s.UniqueId.Id, $"{_inbox.UidValidity}:{s.UniqueId.Id}", s.Size ?? 0) { SizeKnown = s.Size is not null })
            .ToList();
    }

    /// <summary>
    /// The batch in one UID FETCH, its messages streaming back one after another (one round trip for the batch, not
    /// one per message). A message another client expunged meanwhile is simply not in the result.
    /// </summary>
    public async Task<IReadOnlyList<FetchedMessage>> Fetch(IReadOnlyList<RemoteMessage> messages, CancellationToken cancellationToken)
    {
        var raw = new byte[messages.Count][];
        var position = new Dictionary<uint, int>(messages.Count);
        var sized = new List<UniqueId>(messages.Count);
        for (var i = 0; i < messages.Count; i++)
        {
            if (messages[i].SizeKnown)
            {
                position[(uint)messages[i].Index] = i;
                sized.Add(new UniqueId((uint)messages[i].Index));
            }
        }

        if (sized.Count > 0)
        {
            await _inbox.GetStreamsAsync(
                sized,
                (_, _, uid, stream, _) =>
                {
                    if (position.TryGetValue(uid.Id, out var at))
                    {
                        raw[at] = ReadAll(stream);
                    }

                    return Task.CompletedTask;
                },
                cancellationToken);
        }

        var fetched = new List<FetchedMessage>(messages.Count);
        for (var i = 0; i < messages.Count; i++)
        {
            if (!messages[i].SizeKnown)
            {
                fetched.Add(await FetchUnsized(messages[i], cancellationToken));
            }
            else if (raw[i] is { } bytes)
            {
                fetched.Add(new FetchedMessage(messages[i], bytes));
            }
        }

        return fetched;
    }

    /// <summary>
    /// A message the server listed without a size: at most the download limit and one byte more comes down, so a
    /// message over the limit is recognised as such (returned without bytes, its size the bytes read, a lower bound)
    /// without downloading it all.
    /// </summary>
    private async Task<FetchedMessage> FetchUnsized(RemoteMessage message, CancellationToken cancellationToken)
    {
        var cap = (int)Math.Min(int.MaxValue, _maxDownloadBytes + 1);
        using var stream = await _inbox.GetStreamAsync(new UniqueId((uint)message.Index), 0, cap, cancellationToken);
        var bytes = ReadAll(stream);
        return bytes.LongLength > _maxDownloadBytes
            ? new FetchedMessage(message with { Size = bytes.LongLength }, [])
            : new FetchedMessage(message with { Size = bytes.LongLength, SizeKnown = true }, bytes);
    }

    /// <summary>
    /// Makes the batch's removal final now. With a processed folder: MOVE, or where the server lacks it MailKit's COPY,
    /// flag and expunge of just these. Otherwise flag and expunge just these: UID EXPUNGE with UIDPLUS; without it
    /// MailKit sets any other client's deleted flags aside around a plain EXPUNGE and puts them back, so nothing but
    /// this batch is expunged.
    /// </summary>
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
        await _inbox.ExpungeAsync(uids, cancellationToken);
    }

    /// <summary>Every deletion is already final: the connection is kept for the next poll, or logged out.</summary>
    public async Task Commit(CancellationToken cancellationToken)
    {
        if (_keep is not null && _keep(_connection))
        {
            _kept = true;
            return;
        }

        await _connection.Client.DisconnectAsync(true, cancellationToken);
    }

    /// <summary>A connection is only kept after a poll that went well: after a failure it may be out of step.</summary>
    public ValueTask DisposeAsync()
    {
        if (!_kept)
        {
            _connection.Dispose();
        }

        return ValueTask.CompletedTask;
    }

    internal static byte[] ReadAll(Stream stream)
    {
        if (stream is MemoryStream memory)
        {
            return memory.ToArray();
        }

        if (stream.CanSeek)
        {
            // MailKit hands back seekable memory streams: one array of the exact size, not a growing copy and another.
            var bytes = new byte[stream.Length - stream.Position];
            stream.ReadExactly(bytes);
            return bytes;
        }

        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
