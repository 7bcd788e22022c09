using System.Text.Json;
using Techmail.Tests.Support;

namespace Techmail.Tests.EndToEnd;

public sealed class SqliteAuditCliTests(SiloProcessFixture fixture) : AuditCliTests(fixture), IClassFixture<SiloProcessFixture>;

public sealed class PostgresAuditCliTests(PostgresSiloProcessFixture fixture) : AuditCliTests(fixture), IClassFixture<PostgresSiloProcessFixture>;

/// <summary><c>techmail audit list</c> from the real client against a silo process, on each storage profile.</summary>
public abstract class AuditCliTests(SiloProcessFixture fixture)
{
    [Fact]
    public async Task Audit_list_shows_each_change_with_its_fields_before_and_after_and_never_a_password()
    {
        var tenant = "audit" + Guid.NewGuid().ToString("N")[..6];
        var cli = fixture.Cli(tenant);
        var added = await cli.RunWithInput(
            "pop-Plain-Audit-1\n", "mailbox", "add", "support", "--type", "service", "--host", "pop.example.com", "--account", "support@example.com", "--password-stdin");
        Assert.True(added.ExitCode == 0, added.ToString());
        await cli.Ok("mailbox", "update", "support", "--host", "pop2.example.com", "--password", "pop-Plain-Audit-2");
        await cli.Ok("mailbox", "enable", "support");
        await fixture.Cli(tenant + "x").Ok("mailbox", "add", "elsewhere", "--type", "marketing", "--no-incoming");

        var json = JsonDocument.Parse(await cli.Ok("audit", "list", "--json")).RootElement;
        var entries = json.EnumerateArray().ToList();
        Assert.Equal(["mailbox.enable", "mailbox.update", "mailbox.create"], entries.Select(e => e.GetProperty("action").GetString()));
        Assert.All(entries, e => Assert.Equal((tenant, "support"), (e.GetProperty("tenant").GetString(), e.GetProperty("subject").GetString())));
        // The actor is the identity the silo verified: the CLI's operator token, by name.
        Assert.All(entries, e => Assert.StartsWith("operator-", e.GetProperty("actor").GetString(), StringComparison.Ordinal));
        var update = entries[1].GetProperty("changes").EnumerateArray()
            .ToDictionary(c => c.GetProperty("field").GetString()!, c => (c.GetProperty("before").GetString(), c.GetProperty("after").GetString()));
        Assert.Equal(("pop.example.com", "pop2.example.com"), update["incoming.host"]);
        Assert.Equal(("********", "******** (changed)"), update["incoming.password"]);
        Assert.Equal(("false", "true"), Assert.Single(entries[0].GetProperty("changes").EnumerateArray().Select(c => (c.GetProperty("before").GetString(), c.GetProperty("after").GetString()))));

        var text = await cli.Ok("audit", "list");
        Assert.Contains("mailbox.update  support", text);
        Assert.Contains("    incoming.host: pop.example.com -> pop2.example.com", text);
        Assert.Contains($"3 change(s) in tenant '{tenant}'.", text);

        // Without --tenant, every tenant's changes; --since in the future, none.
        var everywhere = await new Cli(fixture.Silo.Gateway, tenant: null).Ok("audit", "list", "--json");
        Assert.Contains($"\"{tenant}x\"", everywhere);
        Assert.Contains("0 change(s)", await cli.Ok("audit", "list", "--since", DateTimeOffset.UtcNow.AddDays(1).ToString("yyyy-MM-dd")));

        foreach (var output in new[] { json.GetRawText(), text, everywhere })
        {
            Assert.DoesNotContain("pop-Plain-Audit", output);
        }

        var refused = await cli.Run("audit", "list", "--since", "yesterday");
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("--since 'yesterday': expected a date", refused.Stderr);
    }
}
