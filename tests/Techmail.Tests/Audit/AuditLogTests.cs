using System.Text.Json;
using Techmail.Access;
using Techmail.Audit;
using Techmail.Bounces;
using Techmail.Certificates;
using Techmail.Mailboxes;
using Techmail.Quarantine;
using Techmail.Rules;
using Techmail.Storage;
using Techmail.Tests.Certificates;
using Techmail.Tests.Cluster;
using Techmail.Tests.Support;

namespace Techmail.Tests.Audit;

/// <summary>The recorder as a plain class, on real SQLite and PostgreSQL: who, what, before and after, secrets masked.</summary>
public sealed class AuditLogTests : IDisposable
{
    private readonly ScratchDatabases _databases = new();

    public void Dispose() => _databases.Dispose();

    [Theory]
    [InlineData(StorageKind.Sqlite)]
    [InlineData(StorageKind.PostgreSql)]
    public async Task A_change_is_recorded_with_the_verified_caller_and_no_secret_reaches_the_table(StorageKind storage)
    {
        var database = storage == StorageKind.Sqlite ? await _databases.Sqlite() : await ScratchDatabases.Postgres();
        var log = new AuditLog(new AuditStore(database), TimeProvider.System);
        var before = Samples.Service() with
        {
            Incoming = Samples.Pop3(password: "pop-Plain-1") with { OAuth = new OAuthSettings("https://login.example.com/token", "techmail", "oauth-Plain-2", "mail") },
        };
        var after = before with
        {
            Incoming = before.Incoming! with { Host = "pop2.example.com" },
            Outgoing = before.Outgoing! with { Relay = before.Outgoing.Relay! with { Password = "smtp-Plain-3" } },
        };

        // As the silo's call filter will: the verified caller is in the request context of the call being served.
        RequestContext.Set(Caller.ContextKey, new Caller("alice", Role.Admin, "acme", ReadSecrets: false));
        try
        {
            await log.Record("acme", AuditActions.MailboxUpdate, "support", before, after);
        }
        finally
        {
            RequestContext.Clear();
        }

        // The engine's own work, and a record whose secrets no masking of mailbox settings knows about.
        await log.Record("other", AuditActions.MailboxCreate, "bounces", null, Samples.Marketing());
        await log.Record("other", AuditActions.CertificateImport, "token-like", null, new { name = "t", tokenSecret = "token-Plain-4", nested = new { smtpPassword = "nested-Plain-5" } });
        // A change that changes nothing (an import run again) is not one.
        await log.Record("acme", AuditActions.MailboxUpdate, "support", after, after);

        var store = new AuditStore(database);
        var acme = Assert.Single(await store.List(new AuditQuery("acme", null, 100)));
        Assert.Equal(("alice", AuditActions.MailboxUpdate, "support"), (acme.Actor, acme.Action, acme.Subject));
        Assert.Equal("mail.example.com", Read(acme.Before!).GetProperty("incoming").GetProperty("host").GetString());
        Assert.Equal("pop2.example.com", Read(acme.After!).GetProperty("incoming").GetProperty("host").GetString());
        Assert.Equal(Secret.Mask, Read(acme.After!).GetProperty("incoming").GetProperty("oAuth").GetProperty("clientSecret").GetString());
        Assert.Equal(MailboxSecrets.ChangedMask, Read(acme.After!).GetProperty("outgoing").GetProperty("relay").GetProperty("password").GetString());

        var all = await store.List(new AuditQuery(null, null, 100));
        Assert.Equal(3, all.Count);
        Assert.All(all.Where(e => e.Tenant == "other"), e => Assert.Equal("engine", e.Actor));
        Assert.Empty(await store.List(new AuditQuery(null, DateTimeOffset.UtcNow.AddMinutes(1), 100)));

        // Straight from the table, as a dump would show it.
        await using var connection = await database.OpenAsync();
        await using var command = TechmailDatabase.Command(connection, "SELECT COALESCE(before_json, '') || COALESCE(after_json, '') FROM techmail_audit");
        await using var reader = await command.ExecuteReaderAsync();
        var stored = "";
        while (await reader.ReadAsync())
        {
            stored += reader.GetString(0);
        }

        foreach (var secret in new[] { "pop-Plain-1", "oauth-Plain-2", "smtp-Plain-3", "token-Plain-4", "nested-Plain-5", "s3cret-smtp", "s3cret-pop" })
        {
            Assert.DoesNotContain(secret, stored);
        }

        Assert.Contains(Secret.Mask, stored);
    }

    private static JsonElement Read(string json) => JsonDocument.Parse(json).RootElement;
}

/// <summary>The grains that change configuration record it, on the real providers of the embedded and the cluster profile.</summary>
public abstract class AuditedGrainsTests(ClusterFixture fixture)
{
    [Fact]
    public async Task Mailbox_rules_certificate_quarantine_and_contact_changes_are_each_recorded_once_with_before_and_after()
    {
        var tenant = "audited-" + Guid.NewGuid().ToString("N")[..8];
        var client = fixture.Client;
        var mailbox = client.GetGrain<IMailboxGrain>(MailboxKey.For(tenant, "support"));
        await mailbox.Create(Samples.Service(enabled: false) with { Incoming = Samples.Pop3(password: "typed-Plain-7") });
        await mailbox.Update(Samples.Service(enabled: false) with { Incoming = Samples.Pop3(host: "pop2.example.com", password: "retyped-Plain-8") });
        await mailbox.SetEnabled(true);
        await mailbox.SetEnabled(false);

        await client.GetGrain<IRulesGrain>(tenant).Import("""{ "rules": [ { "name": "vip", "match": "all", "conditions": [ { "field": "subject", "op": "contains", "value": "vip" } ], "actions": { "status": "solved" } } ] }""");

        var certificates = client.GetGrain<ICertificateGrain>(tenant);
        var customer = TestPki.Instance.Customer;
        await certificates.Import(TestPki.Pem(customer), null, CertificateKind.Customer);
        await certificates.Remove(customer.Thumbprint);

        var quarantine = new QuarantineStore(fixture.Options.Database(), TimeProvider.System);
        var dropped = await quarantine.Hold(tenant, "support", "key-drop", "1", "a@example.net", "spam", TestMail.Simple("spam", "a@example.net"), MailStage.Intake, "test");
        Assert.True(await client.GetGrain<IQuarantineGrain>(tenant).Drop(dropped.Id));
        Assert.False(await client.GetGrain<IQuarantineGrain>(tenant).Drop(dropped.Id));
        var held = await quarantine.Hold(tenant, "support", "key-again", "2", "b@example.net", "again", TestMail.Simple("again", "b@example.net"), MailStage.Intake, "test");
        await client.GetGrain<IQuarantineGrain>(tenant).Reprocess(held.Id);

        // An address nothing flagged: vouching for it changes nothing, so there is nothing to record.
        await client.GetGrain<IAddressGrain>(AddressKey.For(tenant, "c@example.net")).Revalidate();
        await mailbox.Remove();

        var entries = (await client.GetGrain<IAuditLogGrain>(0).List(new AuditQuery(tenant, null, 100))).Reverse().ToList();
        string[] expected =
        [
            AuditActions.MailboxCreate, AuditActions.MailboxUpdate, AuditActions.MailboxEnable, AuditActions.MailboxDisable,
            AuditActions.RulesImport, AuditActions.CertificateImport, AuditActions.CertificateRemove, AuditActions.QuarantineDrop,
            AuditActions.QuarantineReprocess, AuditActions.MailboxRemove,
        ];
        Assert.Equal(expected, entries.Select(e => e.Action));
        // The silo's call filter verified the test client's operator token: its name, the same on every change.
        Assert.All(entries, e => Assert.StartsWith("operator-", e.Actor, StringComparison.Ordinal));
        Assert.Single(entries.Select(e => e.Actor).Distinct());

        var created = entries[0];
        Assert.Null(created.Before);
        Assert.Equal(Secret.Mask, JsonDocument.Parse(created.After!).RootElement.GetProperty("incoming").GetProperty("password").GetString());
        Assert.Contains("pop2.example.com", entries[1].After);
        Assert.Contains("mail.example.com", entries[1].Before);
        Assert.Equal((customer.Thumbprint, (string?)null), (entries[5].Subject, entries[5].Before));
        Assert.Equal((dropped.Id, "Dropped"), (entries[7].Subject, JsonDocument.Parse(entries[7].After!).RootElement.GetProperty("state").GetString()));
        Assert.Null(entries[^1].After);
        Assert.All(entries, e => Assert.DoesNotContain("typed-Plain-7", (e.Before ?? "") + e.After));
    }
}

[Collection(SqliteClusterCollection.Name)]
public sealed class SqliteAuditedGrainsTests(SqliteClusterFixture fixture) : AuditedGrainsTests(fixture);

[Collection(PostgresClusterCollection.Name)]
public sealed class PostgresAuditedGrainsTests(PostgresClusterFixture fixture) : AuditedGrainsTests(fixture);
