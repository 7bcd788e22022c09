using System.Text;
using Microsoft.Data.Sqlite;
using Techmail.Mailboxes;
using Techmail.Tests.Support;

namespace Techmail.Tests.Cluster;

[Collection(SqliteClusterCollection.Name)]
public sealed class SecretsAtRestTests(SqliteClusterFixture fixture)
{
    [Fact]
    public async Task Passwords_never_reach_the_database_file_in_plain_text()
    {
        const string popPassword = "pop-Plaintext-9d1f7e";
        const string smtpPassword = "smtp-Plaintext-41c0aa";
        var settings = Samples.Service("secret-test") with
        {
            Incoming = Samples.Pop3("secret-test", password: popPassword),
            Outgoing = Samples.Outgoing() with { Relay = Samples.Outgoing().Relay! with { Password = smtpPassword } },
        };
        var grain = fixture.Client.GetGrain<IMailboxGrain>(MailboxKey.For("secrets", "a"));
        await grain.Create(settings);
        await grain.Update((await grain.Export(false))!);

        // Fold the WAL into the main file so the check sees every byte SQLite wrote.
        await fixture.Scalar("PRAGMA wal_checkpoint(TRUNCATE)");
        SqliteConnection.ClearAllPools();
        var bytes = await File.ReadAllBytesAsync(fixture.DatabaseFile);
        var wal = fixture.DatabaseFile + "-wal";
        var walBytes = File.Exists(wal) ? await File.ReadAllBytesAsync(wal) : [];

        foreach (var secret in new[] { popPassword, smtpPassword })
        {
            foreach (var encoding in new Encoding[] { Encoding.UTF8, Encoding.Unicode })
            {
                var needle = encoding.GetBytes(secret);
                Assert.True(bytes.AsSpan().IndexOf(needle) < 0, $"{secret} found in the database file");
                Assert.True(walBytes.AsSpan().IndexOf(needle) < 0, $"{secret} found in the WAL");
            }
        }

        // Still usable: the grain can give the secret back to whoever is entitled to it.
        Assert.Equal(popPassword, (await grain.Export(true))!.Incoming!.Password);
        // And the stored form is really there (the row exists and holds ciphertext).
        Assert.True(bytes.AsSpan().IndexOf("secret-test"u8) >= 0 || walBytes.AsSpan().IndexOf("secret-test"u8) >= 0);
    }
}
