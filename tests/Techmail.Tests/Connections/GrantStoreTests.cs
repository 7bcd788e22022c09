using Microsoft.AspNetCore.DataProtection;
using Techmail.Connections;
using Techmail.Security;
using Techmail.Storage;
using Techmail.Tests.Support;

namespace Techmail.Tests.Connections;

/// <summary>
/// A mailbox's grant in <c>techmail_mailbox_grants</c> on both real databases: tokens sealed at rest and back intact,
/// a save replaces the row whole, the count the metric shows; and the console's pending redirects (one use, expiry).
/// </summary>
public sealed class GrantStoreTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 7, 10, 0, 0, TimeSpan.Zero);
    private readonly ScratchDatabases _databases = new();

    [Fact]
    public async Task Sqlite_keeps_each_mailboxs_grant_sealed_and_counts_those_needing_reconnecting() => await Scenario(await _databases.Sqlite());

    [Fact]
    public async Task Postgres_keeps_each_mailboxs_grant_sealed_and_counts_those_needing_reconnecting() => await Scenario(await ScratchDatabases.Postgres());

    [Fact]
    public void A_pending_redirect_is_taken_once_and_not_after_ten_minutes()
    {
        var clock = new ManualClock(T0);
        var pending = new PendingConnections(clock);
        var caller = new Techmail.Access.Caller("admin", Techmail.Access.Role.Admin, "acme", false);
        var (state, started) = pending.Begin("acme/support", "https://console.example/connections/callback", caller, "token-id");

        Assert.Equal(started, pending.Take(state));
        Assert.Null(pending.Take(state));
        Assert.Equal(43, started.Pkce.Verifier.Length);
        Assert.NotEqual(started.Binding, state);

        var (late, _) = pending.Begin("acme/support", "https://console.example/connections/callback", caller, "token-id");
        clock.Advance(PendingConnections.Lifetime);
        Assert.Null(pending.Take(late));
        Assert.Null(pending.Take("a-state-nobody-issued"));
    }

    public void Dispose() => _databases.Dispose();

    private static async Task Scenario(TechmailDatabase database)
    {
        var protector = new DataProtectionSecretProtector(new EphemeralDataProtectionProvider());
        var store = new MailboxGrantStore(database, protector);
        Assert.Null(await store.Load("acme", "support"));

        var grant = new MailboxGrant("refresh-1", "access-1", T0.AddHours(1), T0, "support@acme.example", "mail offline_access", T0, null, null, null);
        await store.Save("acme", "support", grant);
        Assert.Equal(grant, await store.Load("acme", "support"));

        // Sealed at rest: neither token is in the row as typed.
        await using (var connection = await database.OpenAsync())
        {
            await using var command = TechmailDatabase.Command(connection, "SELECT refresh_token || access_token FROM techmail_mailbox_grants");
            var stored = (string)(await command.ExecuteScalarAsync())!;
            Assert.DoesNotContain("refresh-1", stored);
            Assert.DoesNotContain("access-1", stored);
        }

        // A rotation replaces the row whole; another mailbox is apart.
        var rotated = grant with { RefreshToken = "refresh-2", AccessToken = "access-2", LastRefresh = T0.AddMinutes(55) };
        await store.Save("acme", "support", rotated);
        await store.Save("acme", "sales", grant);
        Assert.Equal(rotated, await store.Load("acme", "support"));
        Assert.Equal(0, await store.CountNeedingReconnect());

        var revoked = rotated with { RefreshToken = null, AccessToken = null, AccessExpires = null, AccessIssued = null, NeedsReconnectingSince = T0.AddHours(2), Problem = "invalid_grant" };
        await store.Save("acme", "support", revoked);
        Assert.Equal(revoked, await store.Load("acme", "support"));
        Assert.Equal(1, await store.CountNeedingReconnect());

        await store.Delete("acme", "support");
        Assert.Null(await store.Load("acme", "support"));
        Assert.Equal(grant, await store.Load("acme", "sales"));
        Assert.Equal(0, await store.CountNeedingReconnect());
    }
}
