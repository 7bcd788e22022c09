using MimeKit;

namespace Techmail.Intake;

/// <summary>A message's bytes and, when the poll had already parsed them, the parse.</summary>
public sealed record RecordedMail(byte[] Raw, MimeMessage? Parsed);

/// <summary>
/// Service mail this silo handed to intake and has not yet turned into incidents, with the poll's parse of it, kept in
/// memory for the incident builder so it need neither read back what was just written nor parse it again. Only a
/// shortcut: the database row stays the record, and the builder reads it whenever the mail is not here (another silo
/// polled it, the silo restarted, or it was dropped). Mail is dropped oldest first beyond <see cref="CapacityBytes"/>
/// or <see cref="CapacityMessages"/>, and after <see cref="MaxAge"/>: a builder on this silo takes its mail within
/// seconds, so older mail is waiting for a builder elsewhere, or for none (its hand-off failed). A message key hashes
/// the bytes, so the copy here is always the row's. The parse is only read once handed over; nothing changes it.
/// Parses are disposed once done with: MimeKit's messages, parts and contents have finalizers, and one left to
/// the finalizer keeps its whole tree alive through another collection.
/// </summary>
public sealed class RecordedMailMemory(TimeProvider time)
{
    public const long CapacityBytes = 64L * 1024 * 1024;

    // The parse of a small message outweighs its bytes; this bounds the objects the byte count does not see.
    public const int CapacityMessages = 10_000;

    public static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(1);

    private readonly Dictionary<(string Tenant, string Mailbox, string Key), RecordedMail> _mail = [];
    // Oldest first, for dropping; keys already taken are skipped when they come up.
    private readonly Queue<((string Tenant, string Mailbox, string Key) Key, DateTimeOffset Kept)> _order = new();
    private readonly Lock _lock = new();
    private long _bytes;

    public long Bytes
    {
        get
        {
            lock (_lock)
            {
                return _bytes;
            }
        }
    }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _mail.Count;
            }
        }
    }

    /// <param name="parsed">Now this memory's: disposed here when it is not kept or is dropped, else by whoever takes it.</param>
    public void Keep(string tenant, string mailbox, string messageKey, byte[] raw, MimeMessage? parsed = null)
    {
        if (raw.LongLength > CapacityBytes / 4)
        {
            // A rare huge message would push out everything else; it is read back instead.
            parsed?.Dispose();
            return;
        }

        lock (_lock)
        {
            var key = (tenant, mailbox, messageKey);
            var now = time.GetUtcNow();
            if (_mail.TryAdd(key, new RecordedMail(raw, parsed)))
            {
                _order.Enqueue((key, now));
                _bytes += raw.LongLength;
            }
            else
            {
                parsed?.Dispose();
            }

            while (_order.TryPeek(out var oldest)
                && (_bytes > CapacityBytes || _mail.Count > CapacityMessages || now - oldest.Kept > MaxAge || !_mail.ContainsKey(oldest.Key)))
            {
                _order.Dequeue();
                if (_mail.Remove(oldest.Key, out var dropped))
                {
                    _bytes -= dropped.Raw.LongLength;
                    dropped.Parsed?.Dispose();
                }
            }
        }
    }

    /// <summary>The mail if this silo still holds it; it is handed over once.</summary>
    public RecordedMail? Take(string tenant, string mailbox, string messageKey)
    {
        lock (_lock)
        {
            if (_mail.Remove((tenant, mailbox, messageKey), out var mail))
            {
                _bytes -= mail.Raw.LongLength;
                return mail;
            }

            return null;
        }
    }
}
