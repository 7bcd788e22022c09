using System.Net;
using System.Text.Json;
using Techmail.Mailboxes;
using Techmail.Tests.EndToEnd;

namespace Techmail.Tests.Api;

/// <summary>
/// Mailboxes over HTTP on a silo process: created, read and changed with ETags, where a stale or concurrent change is a
/// 412 decided by the mailbox grain and nothing is overwritten; the engine's validation names the field; lists page by
/// cursor. The same tests run on SQLite and on PostgreSQL, where the settings' version is stored with the grain state.
/// </summary>
public abstract class ApiMailboxTests(SiloProcessFixture fixture)
{
    private static MailboxSettings Settings(int port, TimeSpan interval) => MailboxSettings.Empty(MailboxType.Service) with
    {
        Incoming = new IncomingSettings(MailProtocol.Pop3, "127.0.0.1", port, TlsMode.None, "helpdesk", "pop-password", [], AllowPlaintextPassword: true),
        PollInterval = interval,
    };

    [Fact]
    public async Task Settings_change_only_on_the_etag_they_were_read_with_and_a_stale_or_concurrent_change_is_412()
    {
        using var api = ApiClient.Operator(fixture.Silo);
        const string box = "mailboxes/support?tenant=apietag";

        using var created = await api.Post("mailboxes?tenant=apietag", new { name = "support", settings = Settings(1110, TimeSpan.FromMinutes(5)) });
        var view = await ApiClient.Body(created, HttpStatusCode.Created);
        Assert.Equal("/api/v1/mailboxes/support", created.Headers.Location?.OriginalString);
        Assert.Equal(Secret.Mask, view.GetProperty("settings").GetProperty("incoming").GetProperty("password").GetString());
        var first = ApiClient.ETag(created);
        using var read = await api.Get(box);
        Assert.Equal(first, ApiClient.ETag(read));

        // No If-Match: refused, since an unchecked write could overwrite someone's change.
        using var unchecked_ = await api.Put(box, Settings(1110, TimeSpan.FromMinutes(7)));
        Assert.Contains("If-Match", (await ApiClient.Problem(unchecked_, (HttpStatusCode)428)).GetProperty("detail").GetString());

        using var changed = await api.Put(box, Settings(1110, TimeSpan.FromMinutes(7)), ifMatch: first);
        var second = ApiClient.ETag(changed);
        Assert.NotEqual(first, second);
        Assert.Equal("00:07:00", (await ApiClient.Body(changed, HttpStatusCode.OK)).GetProperty("settings").GetProperty("pollInterval").GetString());

        // Someone who read the first version loses, and says which version is current now.
        using var stale = await api.Put(box, Settings(1110, TimeSpan.FromMinutes(9)), ifMatch: first);
        var conflict = await ApiClient.Problem(stale, HttpStatusCode.PreconditionFailed);
        Assert.Equal(second, conflict.GetProperty("currentETag").GetString());
        Assert.Equal("00:07:00", (await api.Ok(box)).GetProperty("settings").GetProperty("pollInterval").GetString());
        using var staleEnable = await api.Post("mailboxes/support/enable?tenant=apietag", ifMatch: first);
        await ApiClient.Problem(staleEnable, HttpStatusCode.PreconditionFailed);
        using var weak = await api.Put(box, Settings(1110, TimeSpan.FromMinutes(9)), ifMatch: "W/" + second);
        await ApiClient.Problem(weak, HttpStatusCode.PreconditionFailed);

        // Two writers on the same version at the same moment: the grain lets exactly one through.
        var racing = await Task.WhenAll(
            api.Put(box, Settings(1110, TimeSpan.FromMinutes(11)), ifMatch: second),
            api.Put(box, Settings(1110, TimeSpan.FromMinutes(13)), ifMatch: second));
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.PreconditionFailed], racing.Select(r => r.StatusCode).Order());
        var winner = racing.Single(r => r.StatusCode == HttpStatusCode.OK);
        var won = (await ApiClient.Body(winner, HttpStatusCode.OK)).GetProperty("settings").GetProperty("pollInterval").GetString();
        using var now = await api.Get(box);
        Assert.Equal(won, (await ApiClient.Body(now, HttpStatusCode.OK)).GetProperty("settings").GetProperty("pollInterval").GetString());
        var third = ApiClient.ETag(now);
        Assert.Equal(ApiClient.ETag(winner), third);

        // The engine's validation names the setting at fault, and a refused change changes nothing, ETag included.
        using var invalid = await api.Put(box, Settings(70000, TimeSpan.FromMinutes(5)), ifMatch: third);
        var problem = await ApiClient.Problem(invalid, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("incoming.port", out var portErrors), problem.ToString());
        Assert.Contains("1-65535", portErrors[0].GetString());
        using var after = await api.Get(box);
        Assert.Equal(third, ApiClient.ETag(after));
        Assert.Equal(1110, (await ApiClient.Body(after, HttpStatusCode.OK)).GetProperty("settings").GetProperty("incoming").GetProperty("port").GetInt32());

        // A body that is not settings names where it went wrong.
        using var unreadable = await api.Send(HttpMethod.Put, box, new StringContent("""{"type": "service", "pollInterval": 5}""", System.Text.Encoding.UTF8, "application/json"), third);
        Assert.True((await ApiClient.Problem(unreadable, HttpStatusCode.BadRequest)).GetProperty("errors").TryGetProperty("pollInterval", out _));

        using var enabled = await api.Post("mailboxes/support/enable?tenant=apietag", ifMatch: third);
        Assert.True((await ApiClient.Body(enabled, HttpStatusCode.OK)).GetProperty("settings").GetProperty("enabled").GetBoolean());
        using var removeStale = await api.Delete(box, ifMatch: third);
        await ApiClient.Problem(removeStale, HttpStatusCode.PreconditionFailed);
        using var removed = await api.Delete(box, ifMatch: ApiClient.ETag(enabled));
        Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        using var gone = await api.Get(box);
        Assert.Contains("does not exist", (await ApiClient.Problem(gone, HttpStatusCode.NotFound)).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Mailbox_lists_page_by_cursor_and_export_and_import_move_every_setting()
    {
        using var api = ApiClient.Operator(fixture.Silo);
        foreach (var name in new[] { "alpha", "bravo", "charlie" })
        {
            var settings = Settings(1110, TimeSpan.FromMinutes(5)) with { Incoming = Settings(1110, TimeSpan.FromMinutes(5)).Incoming! with { Account = name } };
            // One Marketing mailbox with a retry window of its own, which must come back from storage and travel too.
            settings = name == "charlie" ? settings with { Type = MailboxType.Marketing, SoftBounceRetryWindow = TimeSpan.FromDays(2) } : settings;
            using var created = await api.Post("mailboxes?tenant=apipages", new { name, settings });
            await ApiClient.Body(created, HttpStatusCode.Created);
        }

        var first = await api.Ok("mailboxes?tenant=apipages&limit=2");
        Assert.Equal(["alpha", "bravo"], first.GetProperty("items").EnumerateArray().Select(m => m.GetProperty("name").GetString()));
        var cursor = first.GetProperty("next").GetString()!;
        var second = await api.Ok($"mailboxes?tenant=apipages&limit=2&cursor={Uri.EscapeDataString(cursor)}");
        Assert.Equal(["charlie"], second.GetProperty("items").EnumerateArray().Select(m => m.GetProperty("name").GetString()));
        Assert.Equal(JsonValueKind.Null, second.GetProperty("next").ValueKind);

        // A cursor is the list's own: made up, or another list's, it is refused naming it.
        using var madeUp = await api.Get("mailboxes?tenant=apipages&cursor=bm90LWEtY3Vyc29y");
        Assert.True((await ApiClient.Problem(madeUp, HttpStatusCode.BadRequest)).GetProperty("errors").TryGetProperty("cursor", out _));
        using var tooMany = await api.Get("mailboxes?tenant=apipages&limit=5000");
        Assert.True((await ApiClient.Problem(tooMany, HttpStatusCode.BadRequest)).GetProperty("errors").TryGetProperty("limit", out _));

        // Export with secrets (an operator may) and import into another tenant: the passwords travel, masked nowhere.
        var exported = await api.Ok("mailbox-export?tenant=apipages&includeSecrets=true");
        Assert.Equal(3, exported.GetArrayLength());
        Assert.All(exported.EnumerateArray(), e => Assert.Equal("pop-password", e.GetProperty("settings").GetProperty("incoming").GetProperty("password").GetString()));
        using var imported = await api.Send(HttpMethod.Post, "mailbox-import?tenant=apicopies",
            new StringContent(exported.GetRawText(), System.Text.Encoding.UTF8, "application/json"));
        var result = await ApiClient.Body(imported, HttpStatusCode.OK);
        Assert.Equal(3, result.GetProperty("imported").GetInt32());
        Assert.Equal(0, result.GetProperty("failed").GetArrayLength());
        var masked = await api.Ok("mailbox-export?tenant=apicopies");
        Assert.All(masked.EnumerateArray(), e => Assert.Equal(Secret.Mask, e.GetProperty("settings").GetProperty("incoming").GetProperty("password").GetString()));
        Assert.Equal(3, (await api.Ok("mailboxes?tenant=apicopies")).GetProperty("items").GetArrayLength());
        Assert.Equal("2.00:00:00", (await api.Ok("mailboxes/charlie?tenant=apicopies")).GetProperty("settings").GetProperty("softBounceRetryWindow").GetString());
        Assert.Equal(JsonValueKind.Null, (await api.Ok("mailboxes/alpha?tenant=apicopies")).GetProperty("settings").GetProperty("softBounceRetryWindow").ValueKind);
    }
}

public sealed class SqliteApiMailboxTests(SiloProcessFixture fixture) : ApiMailboxTests(fixture), IClassFixture<SiloProcessFixture>;

public sealed class PostgresApiMailboxTests(PostgresSiloProcessFixture fixture) : ApiMailboxTests(fixture), IClassFixture<PostgresSiloProcessFixture>;
