using MailKit.Net.Pop3;

namespace Techmail.Polling;

/// <summary>POP3: UIDL for identity, LIST for sizes, pipelined RETR and DELE; deletions happen at QUIT.</summary>
internal sealed class Pop3Session(Pop3Client client) : IMailSession
{
    private readonly List<int> _deletes = [];

    public bool SplitsLongPolls => client.Capabilities.HasFlag(Pop3Capabilities.UIDL);

    public async Task<IReadOnlyList<RemoteMessage>> List(CancellationToken cancellationToken)
    {
        var count = await client.GetMessageCountAsync(cancellationToken);
        if (count == 0)
        {
            return [];
        }

        var sizes = await client.GetMessageSizesAsync(cancellationToken);
        IList<string>? uids = null;
        if (client.Capabilities.HasFlag(Pop3Capabilities.UIDL))
        {
            uids = await client.GetMessageUidsAsync(cancellationToken);
        }

        var list = new RemoteMessage[count];
        for (var i = 0; i < count; i++)
        {
            // Without UIDL the message key still protects against doubles: it hashes the content too.
            list[i] = new RemoteMessage(i, uids?[i] ?? $"#{i + 1}", sizes[i]);
        }

        return list;
    }

    public async Task<IReadOnlyList<FetchedMessage>> Fetch(IReadOnlyList<RemoteMessage> messages, CancellationToken cancellationToken)
    {
        var streams = await client.GetStreamsAsync(messages.Select(m => m.Index).ToList(), false, cancellationToken);
        var fetched = new FetchedMessage[messages.Count];
        for (var i = 0; i < messages.Count; i++)
        {
            using var stream = streams[i];
            fetched[i] = new FetchedMessage(messages[i], ReadAll(stream));
        }

        return fetched;
    }

    /// <summary>
    /// Remembers what to delete; <see cref="Commit"/> sends it. A POP3 server deletes nothing before QUIT whatever it
    /// was told when (RFC 1939's UPDATE state), so a DELE per batch only cost a round trip per batch.
    /// </summary>
    public Task Delete(IReadOnlyList<RemoteMessage> messages, CancellationToken cancellationToken)
    {
        _deletes.AddRange(messages.Select(m => m.Index));
        return Task.CompletedTask;
    }

    public async Task Commit(CancellationToken cancellationToken)
    {
        if (_deletes.Count > 0)
        {
            // Pipelined when the server allows it: one write, then the replies.
            await client.DeleteMessagesAsync(_deletes, cancellationToken);
        }

        await client.DisconnectAsync(quit: true, cancellationToken);
    }

    public ValueTask DisposeAsync()
    {
        // Dropping the connection without QUIT makes the server forget this session's deletions, as POP3 intends.
        client.Dispose();
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
