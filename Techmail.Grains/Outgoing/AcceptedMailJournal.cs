using System.Buffers.Binary;
using Microsoft.Extensions.Logging;
using Techmail.Hosting;

namespace Techmail.Outgoing;

/// <summary>
/// The ids of outbox mail handed to the relay, written the moment the last byte of a mail goes to the relay and before
/// the database is told. Marking mail sent takes a database commit, which can wait behind the incident builder's; a
/// silo killed in that wait would send the mail again after its restart. One eight-byte write to a file takes
/// microseconds, and what the kernel has survives the process: at the next start the journal is read back and its mail
/// marked sent before any outbox sends.
/// </summary>
/// <remarks>
/// <para>
/// A mail counts from its hand-over, not from the relay's "250": a relay stores mail once the end of its data arrives
/// and answers after, so a silo killed between the two would send a copy to a relay that already has the mail (the
/// duplicate problem of RFC 1047). Waiting for the answer leaves that window open for a round trip to the relay and
/// the scheduling of the answer's continuation; the hand-over closes it to the few instructions between the last
/// body byte and the end-of-data line (after a kill the kernel still delivers what the process wrote). A refusal, or a
/// connection that fails before the answer while the silo lives, gets a refusal entry, which undoes the hand-over: then
/// the mail goes again, since those bytes may never have reached the relay. What is given up: a mail the relay
/// refuses after its data, in the very moment the silo dies, is taken for sent.
/// </para>
/// <para>
/// Each silo keeps a file of its own in its data directory, locked while it runs. A silo replays every journal there
/// that no running silo holds, at start before it joins the cluster (so a silo restarted after a kill marks its mail
/// before another silo can take its outboxes over) and again before each drain; one restarted on other ports still
/// finds its predecessor's. The file is written without fsync: a power cut can still lose the last hand-overs (then
/// that mail goes again, as before). Mail of a silo that never comes back, taken over by another, is not covered;
/// there the marks committed right after each hand-over keep the window to one commit.
/// </para>
/// </remarks>
public sealed class AcceptedMailJournal : IDisposable
{
    private const string Prefix = "outbox-accepted-";
    private const string Extension = ".journal";
    // Emptied only when every id in it is in the database, and only past this size: not a truncate per mail.
    private const long EmptyPast = 64 * 1024;

    // An entry is an id with what happened to it in its top two bits; plain ids (tag 0) are what older versions wrote.
    private const int TagShift = 62;
    private const long IdMask = (1L << TagShift) - 1;

    private readonly string _directory;
    private readonly OutboxStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger<AcceptedMailJournal> _logger;
    private readonly Lock _lock = new();
    private readonly byte[] _entry = new byte[sizeof(long)];
    private Task? _recovery;
    private FileStream? _file;
    private long _unmarked;

    public AcceptedMailJournal(TechmailOptions options, OutboxStore store, TimeProvider time, ILogger<AcceptedMailJournal> logger)
        : this(options.FullDataDirectory, store, time, logger)
    {
    }

    public AcceptedMailJournal(string directory, OutboxStore store, TimeProvider time, ILogger<AcceptedMailJournal> logger)
    {
        _directory = directory;
        _store = store;
        _time = time;
        _logger = logger;
    }

    /// <summary>
    /// Marks sent what earlier runs journaled and did not mark, then opens this run's journal. Every drain awaits it
    /// before it sends: it runs once per process, and again after a failure (the database down at start).
    /// </summary>
    public Task Recovered()
    {
        lock (_lock)
        {
            if (_recovery is null || _recovery.IsFaulted || _recovery.IsCanceled)
            {
                _recovery = Recover();
            }

            return _recovery;
        }
    }

    /// <summary>The relay accepted this mail, which was not journaled at its hand-over: recorded before anything else happens.</summary>
    public void Accepted(long id) => Write(id, Entry.Accepted, +1);

    /// <summary>
    /// The last byte of this mail goes to the relay now; it counts as sent from here unless <see cref="Refused"/> follows.
    /// Called from inside the send, before the end-of-data line is written.
    /// </summary>
    public void HandedOver(long id) => Write(id, Entry.HandedOver, +1);

    /// <summary>A handed-over mail was refused, or its connection failed before the answer: not sent, whatever the hand-over said.</summary>
    public void Refused(long id) => Write(id, Entry.Refused, -1);

    private void Write(long id, Entry entry, int unmarked)
    {
        if (id is < 0 or > IdMask)
        {
            throw new ArgumentOutOfRangeException(nameof(id), id, "an outbox id the journal cannot hold");
        }

        lock (_lock)
        {
            var file = _file ?? throw new InvalidOperationException("the accepted-mail journal is used before its recovery");
            BinaryPrimitives.WriteInt64LittleEndian(_entry, id | ((long)entry << TagShift));
            // Unbuffered: one write(2) per entry, in the kernel's hands when this returns.
            file.Write(_entry);
            _unmarked += unmarked;
        }
    }

    private enum Entry : long
    {
        Accepted = 0,
        HandedOver = 1,
        Refused = 2,
    }

    /// <summary>So many journaled ids are now marked sent in the database.</summary>
    public void Marked(int count)
    {
        lock (_lock)
        {
            _unmarked -= count;
            if (_unmarked == 0 && _file is { Length: > EmptyPast } file)
            {
                file.SetLength(0);
            }
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            if (_file is { } file)
            {
                _file = null;
                file.Dispose();
                // A clean stop with everything marked leaves nothing to replay.
                if (_unmarked == 0)
                {
                    File.Delete(file.Name);
                }
            }
        }
    }

    private async Task Recover()
    {
        Directory.CreateDirectory(_directory);
        foreach (var path in Directory.EnumerateFiles(_directory, Prefix + "*" + Extension))
        {
            await Replay(path);
        }

        lock (_lock)
        {
            _file ??= new FileStream(
                Path.Combine(_directory, $"{Prefix}{Guid.NewGuid():N}{Extension}"),
                FileMode.CreateNew,
                FileAccess.Write,
                FileShare.None,
                bufferSize: 0);
        }
    }

    /// <summary>Marks a dead run's journaled mail sent, then deletes its journal; one a running silo holds is left alone.</summary>
    private async Task Replay(string path)
    {
        byte[] content;
        FileStream held;
        try
        {
            held = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            // Locked: a silo sharing this directory (or this one, which opens its own only after replaying) owns it.
            return;
        }

        await using (held)
        {
            content = new byte[held.Length - (held.Length % sizeof(long))];
            await held.ReadExactlyAsync(content);
            // A torn last entry (the process killed mid-write) is not an id: the kernel took all eight bytes or none
            // for writes this small, so what is left over is never a whole accepted mail.
            var last = new Dictionary<long, Entry>(content.Length / sizeof(long));
            for (var at = 0; at < content.Length; at += sizeof(long))
            {
                var entry = BinaryPrimitives.ReadInt64LittleEndian(content.AsSpan(at));
                // A mail's entries follow each other in the order they happened: its latest one says what it came to.
                last[entry & IdMask] = (Entry)((ulong)entry >> TagShift);
            }

            var ids = last.Where(e => e.Value != Entry.Refused).Select(e => e.Key).Order().ToList();

            foreach (var chunk in ids.Chunk(500))
            {
                await _store.MarkSent(chunk, _time.GetUtcNow());
            }

            if (ids.Count > 0)
            {
                _logger.LogInformation("Marked {Count} outbox mail sent that was handed to the relay before the silo stopped", ids.Count);
            }
        }

        File.Delete(path);
    }
}
