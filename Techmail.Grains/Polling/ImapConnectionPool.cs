using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.Json;
using MailKit.Net.Imap;
using Microsoft.Extensions.Logging;
using Techmail.Mailboxes;
using Techmail.Observability;

namespace Techmail.Polling;

/// <summary>Where a poll's IMAP connection may be kept: one slot per mailbox, for exactly these connection settings.</summary>
/// <param name="SettingsHash">SHA-256 of the incoming settings, password included: other settings never meet this connection.</param>
public sealed record ImapPoolKey(string Tenant, string Mailbox, string SettingsHash, MailAccount Account)
{
    public static ImapPoolKey For(string tenant, string mailbox, IncomingSettings incoming) =>
        new(tenant, mailbox, Convert.ToHexString(SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(incoming))), MailAccount.Of(tenant, incoming));
}

/// <summary>A logged-in IMAP client and the socket under it, which tells without a command whether the server has gone.</summary>
public sealed class KeptImapConnection(ImapClient client, Socket socket) : IDisposable
{
    public ImapClient Client { get; } = client;

    /// <summary>
    /// Whether the connection can take a command, asked without sending one. An idle IMAP connection hears nothing
    /// from its server: anything to read is a BYE (autologout, shutdown), a TLS alert or the connection's end.
    /// </summary>
    public bool LooksAlive
    {
        get
        {
            try
            {
                return Client.IsConnected && Client.IsAuthenticated && socket.Connected && !socket.Poll(0, SelectMode.SelectRead);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return false;
            }
        }
    }

    public void Dispose() => Client.Dispose();
}

/// <summary>
/// Logged-in IMAP connections kept between polls, silo-wide, so a mailbox polled every minute logs in once rather than
/// every minute (an empty poll then costs one round trip, SELECT, instead of six). A connection is kept per mailbox and
/// connection settings, so it never serves another tenant, another mailbox or changed credentials; it is handed to one
/// poll at a time (taken out while in use); it is checked before use and dropped when the server has gone; and it is
/// logged out after <see cref="ImapPoolOptions.IdleTimeout"/> unused, when the mailbox's settings change or it is
/// removed, and when the caps (per account, overall) are reached.
/// </summary>
public sealed class ImapConnectionPool : IKeptConnections, IDisposable
{
    private readonly ImapPoolOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<ImapConnectionPool> _logger;
    private readonly Lock _lock = new();
    private readonly Dictionary<(string Tenant, string Mailbox), Entry> _kept = [];
    private readonly Dictionary<MailAccount, int> _perAccount = [];
    private readonly ITimer? _sweeper;
    private bool _disposed;

    public ImapConnectionPool(ImapPoolOptions options, TimeProvider time, ILogger<ImapConnectionPool> logger)
    {
        _options = options;
        _time = time;
        _logger = logger;
        if (options.MaxConnections > 0)
        {
            var every = TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerSecond, options.IdleTimeout.Ticks / 4));
            _sweeper = time.CreateTimer(_ => Sweep(), null, every, every);
        }
    }

    private sealed record Entry(ImapPoolKey Key, KeptImapConnection Connection, DateTimeOffset Since);

    /// <summary>Whether a mailbox polled this often gets its connection kept: only if it comes back before the idle timeout.</summary>
    public bool Keeps(TimeSpan pollInterval) => _options.MaxConnections > 0 && pollInterval < _options.IdleTimeout;

    /// <summary>Connections kept now, across the silo.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _kept.Count;
            }
        }
    }

    public int KeptFor(MailAccount account)
    {
        lock (_lock)
        {
            return _perAccount.GetValueOrDefault(account);
        }
    }

    /// <summary>
    /// The mailbox's kept connection, taken out of the pool (no other poll can have it until it is put back), or null:
    /// none kept, kept for other settings (dropped), unused too long or gone on the server's side (dropped).
    /// </summary>
    public KeptImapConnection? Take(ImapPoolKey key)
    {
        Entry? entry;
        lock (_lock)
        {
            if (!_kept.Remove((key.Tenant, key.Mailbox), out entry))
            {
                TechmailMetrics.ImapPoolMiss("none");
                return null;
            }

            Uncount(entry.Key.Account);
        }

        var why = entry.Key != key ? "settings"
            : _time.GetUtcNow() - entry.Since >= _options.IdleTimeout ? "idle"
            : !entry.Connection.LooksAlive ? "dead"
            : null;
        if (why is not null)
        {
            TechmailMetrics.ImapPoolMiss(why);
            Close(entry.Connection, logout: why != "dead");
            return null;
        }

        TechmailMetrics.ImapPoolHit();
        return entry.Connection;
    }

    /// <summary>
    /// Puts a connection back after a poll that went well. Returns false when it is not kept (a cap is reached, or it
    /// is no longer usable): the caller then logs it out as it would have without a pool.
    /// </summary>
    public bool Return(ImapPoolKey key, KeptImapConnection connection)
    {
        Entry? replaced = null;
        var kept = false;
        var full = false;
        lock (_lock)
        {
            if (!_disposed && connection.LooksAlive)
            {
                _kept.Remove((key.Tenant, key.Mailbox), out replaced);
                if (replaced is not null)
                {
                    Uncount(replaced.Key.Account);
                }

                if (_kept.Count < _options.MaxConnections && _perAccount.GetValueOrDefault(key.Account) < _options.MaxPerAccount)
                {
                    _kept[(key.Tenant, key.Mailbox)] = new Entry(key, connection, _time.GetUtcNow());
                    _perAccount[key.Account] = _perAccount.GetValueOrDefault(key.Account) + 1;
                    kept = true;
                }
                else
                {
                    full = true;
                }
            }
        }

        if (replaced is not null)
        {
            Close(replaced.Connection, logout: true);
        }

        if (full)
        {
            TechmailMetrics.ImapPoolFull();
        }

        return kept;
    }

    /// <summary>Logs out the mailbox's kept connection, if any: its settings changed, or it was removed or disabled.</summary>
    public void Drop(string tenant, string mailbox)
    {
        Entry? entry;
        lock (_lock)
        {
            if (!_kept.Remove((tenant, mailbox), out entry))
            {
                return;
            }

            Uncount(entry.Key.Account);
        }

        Close(entry.Connection, logout: true);
    }

    public void Dispose()
    {
        List<Entry> all;
        lock (_lock)
        {
            _disposed = true;
            all = [.. _kept.Values];
            _kept.Clear();
            _perAccount.Clear();
        }

        _sweeper?.Dispose();
        foreach (var entry in all)
        {
            // The silo is stopping: no time for polite logouts; the servers see the connections close.
            entry.Connection.Dispose();
        }
    }

    /// <summary>Logs out connections unused for the idle timeout, and drops those whose server has gone.</summary>
    private void Sweep()
    {
        var now = _time.GetUtcNow();
        List<Entry> expired = [];
        lock (_lock)
        {
            foreach (var entry in _kept.Values)
            {
                if (now - entry.Since >= _options.IdleTimeout || !entry.Connection.LooksAlive)
                {
                    expired.Add(entry);
                }
            }

            foreach (var entry in expired)
            {
                _kept.Remove((entry.Key.Tenant, entry.Key.Mailbox));
                Uncount(entry.Key.Account);
            }
        }

        foreach (var entry in expired)
        {
            Close(entry.Connection, logout: entry.Connection.LooksAlive);
        }
    }

    private void Uncount(MailAccount account)
    {
        if (_perAccount.TryGetValue(account, out var count) && count > 1)
        {
            _perAccount[account] = count - 1;
        }
        else
        {
            _perAccount.Remove(account);
        }
    }

    /// <summary>LOGOUT in the background (nobody waits for a connection being let go), then the socket closes.</summary>
    private void Close(KeptImapConnection connection, bool logout)
    {
        if (!logout)
        {
            connection.Dispose();
            return;
        }

        _ = Task.Run(async () =>
        {
            try
            {
                using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await connection.Client.DisconnectAsync(true, limit.Token);
            }
            catch (Exception e)
            {
                _logger.LogDebug(e, "Logging out a kept IMAP connection failed; it is closed all the same");
            }
            finally
            {
                connection.Dispose();
            }
        });
    }
}
