using System.Globalization;
using MailKit.Net.Pop3;

namespace Techmail.Polling;

/// <summary>
/// POP3: UIDL for identity, LIST for sizes (both sent behind the login), pipelined RETR and DELE; deletions happen at
/// QUIT, and a session that deleted nothing quits without waiting for the answer.
/// </summary>
internal sealed class Pop3Session : IMailSession
{
    private static readonly Pop3Command ListCommand = new("LIST", true);
    private static readonly Pop3Command UidlCommand = new("UIDL", true);

    private readonly Pop3Connection _connection;
    private readonly List<int> _deletes = [];

    private Pop3Session(Pop3Connection connection) => _connection = connection;

    public bool SplitsLongPolls => _connection.HasUidl;

    /// <summary>
    /// What to send behind the login so that its answer lists the mailbox (see <see cref="Pop3Connection.SendAfterLogin"/>):
    /// LIST and UIDL in the login's flight where the server pipelines; otherwise LIST alone, and UIDL only when LIST
    /// found mail, since each costs a round trip of its own.
    /// </summary>
    public static IReadOnlyList<Pop3Command> Listing(Pop3Connection connection) =>
        connection.HasUidl && connection.Pipelining ? [ListCommand, UidlCommand] : [ListCommand];

    public static Pop3Session Over(Pop3Connection connection) => new(connection);

    public async Task<IReadOnlyList<RemoteMessage>> List(CancellationToken cancellationToken)
    {
        // The first listing came with the login's answer; a later one (none today) asks again.
        var replies = _connection.AfterLoginReplies is { Count: > 0 } early ? early : await _connection.Exchange(Listing(_connection), cancellationToken);
        var sizes = Parse(Reply(replies[0], "LIST"), "LIST");
        if (sizes.Count == 0)
        {
            return [];
        }

        var uids = replies.Count > 1 ? Parse(Reply(replies[1], "UIDL"), "UIDL")
            : _connection.HasUidl ? Parse(Reply((await _connection.Exchange([UidlCommand], cancellationToken))[0], "UIDL"), "UIDL")
            : null;
        var list = new List<RemoteMessage>(sizes.Count);
        foreach (var (number, size) in sizes)
        {
            // Without UIDL the message key still protects against doubles: it hashes the content too.
            var uid = uids is not null && uids.TryGetValue(number, out var listed) ? listed : $"#{number}";
            list.Add(new RemoteMessage(number - 1, uid, long.Parse(size, CultureInfo.InvariantCulture)));
        }

        return list;
    }

    public async Task<IReadOnlyList<FetchedMessage>> Fetch(IReadOnlyList<RemoteMessage> messages, CancellationToken cancellationToken)
    {
        var replies = await _connection.Exchange(messages.Select(m => new Pop3Command($"RETR {m.Index + 1}", true)).ToList(), cancellationToken);
        var fetched = new FetchedMessage[messages.Count];
        for (var i = 0; i < messages.Count; i++)
        {
            fetched[i] = new FetchedMessage(messages[i], Reply(replies[i], "RETR").Lines);
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
        if (_deletes.Count == 0)
        {
            // Nothing to make final: the server's answer to QUIT could tell nothing worth a round trip.
            await _connection.QuitWithoutWaiting(cancellationToken);
            return;
        }

        // The deletions and the QUIT that makes them final in one flight where the server allows it; the QUIT's +OK is
        // what says they were carried out.
        var commands = _deletes.Select(i => new Pop3Command($"DELE {i + 1}", false)).Append(new Pop3Command("QUIT", false)).ToList();
        var replies = await _connection.Exchange(commands, cancellationToken);
        for (var i = 0; i < replies.Count; i++)
        {
            Reply(replies[i], i < _deletes.Count ? "DELE" : "QUIT");
        }

        _connection.Dispose();
    }

    public ValueTask DisposeAsync()
    {
        // Dropping the connection without QUIT makes the server forget this session's deletions, as POP3 intends.
        _connection.Dispose();
        return ValueTask.CompletedTask;
    }

    private static Pop3Reply Reply(Pop3Reply reply, string command) =>
        reply.Ok ? reply : throw new Pop3CommandException($"{command} failed: {reply.Status}", reply.Status);

    /// <summary>LIST and UIDL answers: "number value" per line.</summary>
    private static SortedDictionary<int, string> Parse(Pop3Reply reply, string command)
    {
        var entries = new SortedDictionary<int, string>();
        foreach (var line in Pop3Connection.Lines(reply))
        {
            var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (words.Length < 2 || !int.TryParse(words[0], NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number < 1)
            {
                throw new Pop3ProtocolException($"{command}: unexpected line '{MailFetcher.FirstLine(line)}'");
            }

            entries[number] = words[1];
        }

        return entries;
    }
}
