using MimeKit;

namespace Techmail.Intake;

/// <summary>A message's bytes and, when the poll had already parsed them, the parse.</summary>
public sealed record RecordedMail(byte[] Raw, MimeMessage? Parsed);

/// <summary>
/// The bytes of Service mail this silo handed to intake and has not yet turned into incidents, with the poll's parse
/// of them, kept in memory for the incident builder so it need neither read back what was just written nor parse it
/// again. Only a shortcut: the database row stays the
/// record, and the builder reads it whenever the bytes are not here (another silo recorded them, the silo restarted,
/// or the builder fell so far behind that they were dropped to keep within <see cref="CapacityBytes"/>), and kept mail
/// whose hand-off failed is only dropped in its turn. A message key hashes the bytes, so the copy here is always the
/// row's. The parse is only read once handed over; nothing changes a parsed message.
/// </summary>
public sealed class RecordedMailMemory
{
    public const long CapacityBytes = 64L * 1024 * 1024;

    private readonly Dictionary<(string Tenant, string Mailbox, string Key), RecordedMail> _raw = [];
    // Oldest first, for dropping; keys already taken are skipped when they come up.
    private readonly Queue<(string Tenant, string Mailbox, string Key)> _order = new();
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

    public void Keep(string tenant, string mailbox, string messageKey, byte[] raw, MimeMessage? parsed = null)
    {
        if (raw.LongLength > CapacityBytes / 4)
        {
            // A rare huge message would push out everything else; it is read back instead.
            return;
        }

        lock (_lock)
        {
            var key = (tenant, mailbox, messageKey);
            if (!_raw.TryAdd(key, new RecordedMail(raw, parsed)))
            {
                return;
            }

            _order.Enqueue(key);
            _bytes += raw.LongLength;
            while (_bytes > CapacityBytes && _order.TryDequeue(out var oldest))
            {
                if (_raw.Remove(oldest, out var dropped))
                {
                    _bytes -= dropped.Raw.LongLength;
                }
            }

            // Taken keys leave their place in the queue behind; compact it when those outnumber the kept ones.
            if (_order.Count > 1024 && _order.Count > _raw.Count * 2)
            {
                var kept = _order.Where(_raw.ContainsKey).ToList();
                _order.Clear();
                foreach (var k in kept)
                {
                    _order.Enqueue(k);
                }
            }
        }
    }

    /// <summary>The mail if this silo still holds it; it is handed over once.</summary>
    public RecordedMail? Take(string tenant, string mailbox, string messageKey)
    {
        lock (_lock)
        {
            if (_raw.Remove((tenant, mailbox, messageKey), out var mail))
            {
                _bytes -= mail.Raw.LongLength;
                return mail;
            }

            return null;
        }
    }
}
