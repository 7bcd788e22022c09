namespace Techmail.Incidents;

/// <summary>
/// Holds mail from an address that sends more than <see cref="FloodPolicy.MaxMessages"/> within a sliding
/// <see cref="FloodPolicy.Window"/>, so a mail loop or a chatty monitoring system cannot open incidents by the hundred.
/// </summary>
/// <remarks>
/// Held messages count as sent: an address that keeps flooding stays held until it slows down, instead of being let
/// through for another batch every window. Memory is bounded twice: per address only the newest MaxMessages arrival
/// times inside the window are kept (all that deciding needs), and at most MaxTrackedAddresses addresses are remembered.
/// </remarks>
public sealed class SenderFloodGate
{
    private readonly FloodPolicy _policy;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, LinkedListNode<Sender>> _senders = new(StringComparer.OrdinalIgnoreCase);

    // Least recently seen first. Because order is by last arrival, every sender whose window has emptied sits at the
    // front, so expiry never has to scan the whole table.
    private readonly LinkedList<Sender> _byLastSeen = new();

    public SenderFloodGate(FloodPolicy policy, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(time);
        policy.Validate();
        _policy = policy;
        _time = time;
    }

    public FloodPolicy Policy => _policy;

    /// <summary>Addresses currently remembered; for monitoring and tests.</summary>
    public int TrackedAddresses
    {
        get
        {
            lock (_lock)
            {
                return _senders.Count;
            }
        }
    }

    /// <summary>Records one message from <paramref name="normalisedAddress"/> and decides whether it may become an incident.</summary>
    /// <param name="normalisedAddress">The sender's address as the caller normalises it; compared ignoring case.</param>
    public FloodDecision Admit(string normalisedAddress)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(normalisedAddress);
        var now = _time.GetUtcNow();
        lock (_lock)
        {
            ForgetQuietSenders(now);
            var sender = Touch(normalisedAddress);
            var recent = sender.Value.CountSince(now - _policy.Window);
            sender.Value.Add(now, _policy.MaxMessages);
            if (recent < _policy.MaxMessages)
            {
                sender.Value.HeldInARow = 0;
                return new FloodDecision(true, recent + 1, _policy.Window, 0, null);
            }

            sender.Value.HeldInARow++;
            // The window holds MaxMessages arrivals including this one; it drops below the limit when the oldest leaves.
            var releasedAt = sender.Value.OldestArrival + _policy.Window;
            return new FloodDecision(false, _policy.MaxMessages + 1, _policy.Window, sender.Value.HeldInARow, releasedAt);
        }
    }

    private LinkedListNode<Sender> Touch(string address)
    {
        if (_senders.TryGetValue(address, out var node))
        {
            _byLastSeen.Remove(node);
            _byLastSeen.AddLast(node);
            return node;
        }

        if (_senders.Count >= _policy.MaxTrackedAddresses)
        {
            var leastRecent = _byLastSeen.First!;
            _byLastSeen.RemoveFirst();
            _senders.Remove(leastRecent.Value.Address);
        }

        node = _byLastSeen.AddLast(new Sender(address));
        _senders.Add(address, node);
        return node;
    }

    private void ForgetQuietSenders(DateTimeOffset now)
    {
        var windowStart = now - _policy.Window;
        while (_byLastSeen.First is { } oldest && oldest.Value.LastSeen <= windowStart)
        {
            _byLastSeen.RemoveFirst();
            _senders.Remove(oldest.Value.Address);
        }
    }

    private sealed class Sender(string address)
    {
        // Arrivals inside the window, oldest first, never more than MaxMessages: older ones cannot change a decision.
        private readonly Queue<DateTimeOffset> _arrivals = new();

        public string Address { get; } = address;

        public DateTimeOffset LastSeen { get; private set; }

        public DateTimeOffset OldestArrival => _arrivals.Peek();

        public int HeldInARow { get; set; }

        /// <summary>Drops arrivals at or before <paramref name="windowStart"/> and returns how many remain.</summary>
        public int CountSince(DateTimeOffset windowStart)
        {
            while (_arrivals.TryPeek(out var oldest) && oldest <= windowStart)
            {
                _arrivals.Dequeue();
            }

            return _arrivals.Count;
        }

        public void Add(DateTimeOffset time, int keep)
        {
            while (_arrivals.Count >= keep)
            {
                _arrivals.Dequeue();
            }

            _arrivals.Enqueue(time);
            // A clock stepping back must not make a busy sender look quiet and get forgotten.
            LastSeen = time > LastSeen ? time : LastSeen;
        }
    }
}
