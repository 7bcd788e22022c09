using Orleans.Storage;
using Techmail.Mailboxes;

namespace Techmail.Tests.Unit;

/// <summary>
/// The mailbox's state writes against a storage that checks ETags as Orleans' providers do, with writes that take a
/// while. The same writer under real storage and a real poll: Polling/AdminDuringPollTests.
/// </summary>
public sealed class MailboxStateWriterTests
{
    [Fact]
    public async Task Changes_made_at_the_same_time_take_turns_and_none_is_lost()
    {
        var storage = new EtagStorage();
        var activation = storage.Activate();
        var writer = new MailboxStateWriter(activation);

        await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(() => writer.Change(AddAccepted(1)))));

        Assert.False(storage.Overlapped);
        Assert.Equal(20, storage.Stored.Status.Counts.Accepted);
    }

    [Fact]
    public async Task A_write_refused_because_another_activation_wrote_is_applied_again_to_what_that_one_wrote()
    {
        var storage = new EtagStorage();
        var first = storage.Activate();
        var second = storage.Activate();
        var settings = MailboxSettings.Empty(MailboxType.Service) with { Enabled = true };
        await new MailboxStateWriter(second).Change(s =>
        {
            s.Settings = settings;
            return true;
        });

        Assert.True(await new MailboxStateWriter(first).Change(AddAccepted(5)));

        Assert.Equal(settings, storage.Stored.Settings);
        Assert.Equal(5, storage.Stored.Status.Counts.Accepted);
        Assert.Equal(2, storage.Writes);
    }

    [Fact]
    public async Task A_change_with_nothing_worth_storing_writes_nothing_and_a_clear_wins_over_another_activations_write()
    {
        var storage = new EtagStorage();
        var first = storage.Activate();
        var second = storage.Activate();

        Assert.False(await new MailboxStateWriter(first).Change(_ => false));
        Assert.Equal(0, storage.Writes);

        await new MailboxStateWriter(second).Change(AddAccepted(1));
        await new MailboxStateWriter(first).Clear();

        Assert.Null(storage.Stored.Settings);
        Assert.Equal(0, storage.Stored.Status.Counts.Accepted);
        Assert.Equal(0, first.State.Status.Counts.Accepted);
    }

    private static Func<MailboxState, bool> AddAccepted(long count) => s =>
    {
        s.Status = s.Status with { Counts = s.Status.Counts with { Accepted = s.Status.Counts.Accepted + count } };
        return true;
    };

    /// <summary>One stored row with an ETag; each activation holds its own copy and the ETag it last saw.</summary>
    private sealed class EtagStorage
    {
        private readonly Lock _lock = new();
        private int _etag;
        private int _inFlight;

        public MailboxState Stored { get; private set; } = new();

        public int Writes { get; private set; }

        public bool Overlapped { get; private set; }

        public Activation Activate() => new(this);

        private static MailboxState Copy(MailboxState s) => new()
        {
            Settings = s.Settings, Status = s.Status, Created = s.Created, Updated = s.Updated, ReminderPeriod = s.ReminderPeriod,
        };

        public sealed class Activation : IPersistentState<MailboxState>
        {
            private readonly EtagStorage _storage;

            public Activation(EtagStorage storage)
            {
                _storage = storage;
                (State, Etag) = storage.Read();
            }

            public MailboxState State { get; set; }

            public string? Etag { get; private set; }

            public bool RecordExists => Etag != "0";

            public Task ReadStateAsync()
            {
                (State, Etag) = _storage.Read();
                return Task.CompletedTask;
            }

            public async Task WriteStateAsync() => Etag = await _storage.Write(Etag, State);

            public async Task ClearStateAsync() => Etag = await _storage.Write(Etag, new MailboxState());
        }

        private (MailboxState, string) Read()
        {
            lock (_lock)
            {
                return (Copy(Stored), _etag.ToString());
            }
        }

        private async Task<string> Write(string? etag, MailboxState state)
        {
            if (Interlocked.Increment(ref _inFlight) > 1)
            {
                Overlapped = true;
            }

            try
            {
                // A write takes a while, as a database's does: long enough for another to start meanwhile.
                await Task.Delay(5);
                lock (_lock)
                {
                    if (etag != _etag.ToString())
                    {
                        throw new InconsistentStateException($"stored ETag {_etag}, written with {etag}");
                    }

                    Stored = Copy(state);
                    Writes++;
                    return (++_etag).ToString();
                }
            }
            finally
            {
                Interlocked.Decrement(ref _inFlight);
            }
        }
    }
}
