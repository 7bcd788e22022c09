using Techmail.Access;
using Techmail.Storage;
using Techmail.Tests.Support;

namespace Techmail.Tests.AccessControl;

/// <summary>Tokens on the real databases: only a hash is stored; unknown, altered, expired and revoked tokens are refused.</summary>
public sealed class TokenStoreTests : IDisposable
{
    private static readonly Caller Operator = new("operator-test", Role.Operator, null, true);

    private readonly ScratchDatabases _databases = new();

    [Fact]
    public async Task Sqlite_keeps_only_hashes_and_refuses_unknown_expired_and_revoked_tokens() => await Scenario(await _databases.Sqlite());

    [Fact]
    public async Task Postgres_keeps_only_hashes_and_refuses_unknown_expired_and_revoked_tokens() => await Scenario(await ScratchDatabases.Postgres());

    private static async Task Scenario(TechmailDatabase database)
    {
        var clock = new ManualClock(new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.Zero));
        var store = new TokenStore(database);
        var verifier = new TokenVerifier(store, clock);
        var issuer = new TokenIssuer(store, verifier, clock);

        var admin = await issuer.Create("t1", new TokenRequest("ada", Role.Admin, false, null), Operator);
        var agent = await issuer.Create("t1", new TokenRequest("alice", Role.Agent, false, clock.GetUtcNow().AddDays(90)), Operator);
        await issuer.Create("t2", new TokenRequest("bob", Role.Auditor, false, null), Operator);

        Assert.Equal(new Caller("ada", Role.Admin, "t1", false), (await verifier.Verify(admin.Token)).Caller);
        Assert.Equal(new Caller("alice", Role.Agent, "t1", false), (await verifier.Verify(agent.Token)).Caller);

        // The database holds the hash, never the token or its secret part.
        await using (var connection = await database.OpenAsync())
        {
            await using var command = TechmailDatabase.Command(connection, "SELECT id, hash, name, created_by FROM techmail_tokens WHERE name = 'ada'");
            await using var reader = await command.ExecuteReaderAsync();
            Assert.True(await reader.ReadAsync());
            Assert.Equal(TokenText.Hash(admin.Token), (byte[])reader.GetValue(1));
            // tm1_ID_SECRET: the secret follows the second underscore (base64url secrets may hold more of them).
            var secretPart = admin.Token[(admin.Token.IndexOf('_', "tm1_".Length) + 1)..];
            Assert.All(new[] { reader.GetString(0), reader.GetString(2), reader.GetString(3) }, v => Assert.DoesNotContain(secretPart, v, StringComparison.Ordinal));
        }

        // One character off, or not a token at all.
        var altered = admin.Token[..^1] + (admin.Token[^1] == 'A' ? 'B' : 'A');
        Assert.Equal("the token is not known to this cluster", (await verifier.Verify(altered)).Refusal);
        Assert.Contains("not a techmail token", (await verifier.Verify("hunter2")).Refusal);

        // A name is unique among a tenant's live tokens; another tenant may use it.
        await Assert.ThrowsAsync<TokenException>(() => issuer.Create("t1", new TokenRequest("ada", Role.Agent, false, null), Operator));
        await issuer.Create("t2", new TokenRequest("ada", Role.Agent, false, null), Operator);

        // Nobody makes an operator token this way, nor gives secrets it has not got, nor secrets to a non-admin.
        await Assert.ThrowsAsync<TokenException>(() => issuer.Create("t1", new TokenRequest("root", Role.Operator, false, null), Operator));
        await Assert.ThrowsAsync<TokenException>(() => issuer.Create("t1", new TokenRequest("peek", Role.Agent, true, null), Operator));
        var adminCaller = (await verifier.Verify(admin.Token)).Caller!;
        var escalation = await Assert.ThrowsAsync<AccessDeniedException>(() => issuer.Create("t1", new TokenRequest("keys", Role.Admin, true, null), adminCaller));
        Assert.Equal("role admin of tenant t1 may not create a token with --secrets: its own token cannot read secrets", escalation.Message);

        // Expiry: refused once the day has passed (past the verifier's few seconds of memory).
        clock.Advance(TimeSpan.FromDays(91));
        Assert.Equal("token alice expired on 2027-03-01 08:00 UTC", (await verifier.Verify(agent.Token)).Refusal);
        Assert.NotNull((await verifier.Verify(admin.Token)).Caller);

        // Revocation: refused at once on this silo; the name is free again; revoking twice finds nothing.
        Assert.True(await issuer.Revoke("t1", "ada"));
        Assert.StartsWith("token ada was revoked on ", (await verifier.Verify(admin.Token)).Refusal);
        Assert.False(await issuer.Revoke("t1", "ada"));
        await issuer.Create("t1", new TokenRequest("ada", Role.Admin, false, null), Operator);

        var listed = await store.List("t1");
        Assert.Equal(["ada", "ada", "alice"], listed.Select(t => t.Name).Order());
        Assert.Single(listed, t => t.Revoked is not null);
        Assert.All(listed, t => Assert.Equal("operator-test", t.CreatedBy));
        Assert.Equal(["ada", "bob"], (await store.List("t2")).Select(t => t.Name).Order());

        // Every silo of a cluster reads the same engine key.
        Assert.Equal(await store.EngineKey(), await new TokenStore(database).EngineKey());
    }

    public void Dispose() => _databases.Dispose();
}
