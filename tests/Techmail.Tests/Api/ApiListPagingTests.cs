using System.Buffers.Text;
using System.Net;
using System.Text;
using System.Text.Json;
using Techmail.Mailboxes;
using Techmail.Tests.EndToEnd;

namespace Techmail.Tests.Api;

/// <summary>
/// The API's other lists page like the mailbox list, on a silo process over SQLite and over PostgreSQL: the audit log
/// walked two entries a page while changes are made yields every entry once, newest first; each list takes a cursor
/// of its own and refuses a garbled one or another list's naming <c>cursor</c>, and a limit out of range naming
/// <c>limit</c>.
/// </summary>
public abstract class ApiListPagingTests(SiloProcessFixture fixture)
{
    private const string Tenant = "apipaging";

    // The lists with their positions' shapes: a time (ticks) and key, a time and two keys, an id, a name.
    private static readonly (string Path, string List, string Position)[] Lists =
    [
        ("audit", "audit", """["638000000000000000","5",null]"""),
        ("bounces", "bounces", """["638000000000000000","report-1","ann@example.net"]"""),
        ("invalid-addresses", "invalid-addresses", """[null,"ann@example.net",null]"""),
        ("quarantine", "quarantine", """["638000000000000000","q1",null]"""),
        ("outbox", "outbox", """[null,"5",null]"""),
        ("mailings", "mailings", """[null,"5",null]"""),
        ("mailboxes/m0/trace", "trace", """["638000000000000000","key-1",null]"""),
    ];

    private static MailboxSettings Settings(string account) => MailboxSettings.Empty(MailboxType.Service) with
    {
        Incoming = new IncomingSettings(MailProtocol.Pop3, "127.0.0.1", 1110, TlsMode.None, account, "pop-password", [], AllowPlaintextPassword: true),
    };

    private static string Cursor(string list, string position) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"{list}:{position}"));

    private static string Query(string path, string parameters) => $"{path}{(path.Contains('?') ? '&' : '?')}tenant={Tenant}&{parameters}";

    [Fact]
    public async Task The_audit_log_walked_a_page_at_a_time_while_changes_are_made_yields_every_entry_once_in_order()
    {
        using var api = ApiClient.Operator(fixture.Silo);
        var made = 0;
        async Task Create()
        {
            using var created = await api.Post($"mailboxes?tenant={Tenant}", new { name = $"walk{made}", settings = Settings($"walk{made++}") });
            await ApiClient.Body(created, HttpStatusCode.Created);
        }

        for (var i = 0; i < 5; i++)
        {
            await Create();
        }

        var atStart = await api.Ok(Query("audit", "limit=1000"));
        Assert.Equal(JsonValueKind.Null, atStart.GetProperty("next").ValueKind);
        var expected = atStart.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("id").GetInt64()).ToList();
        Assert.True(expected.Count >= 5, $"{expected.Count} entries");

        var walked = new List<long>();
        string? cursor = null;
        do
        {
            var page = await api.Ok(Query("audit", "limit=2" + (cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}")));
            var items = page.GetProperty("items").EnumerateArray().ToList();
            Assert.InRange(items.Count, 1, 2);
            walked.AddRange(items.Select(e => e.GetProperty("id").GetInt64()));
            cursor = page.GetProperty("next").GetString();
            await Create();
        }
        while (cursor is not null);

        Assert.Equal(expected, walked);
        Assert.Equal(expected.Count + (expected.Count + 1) / 2, (await api.Ok(Query("audit", "limit=1000"))).GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task Every_list_takes_its_own_cursor_and_refuses_a_garbled_or_foreign_one_and_a_limit_out_of_range()
    {
        using var api = ApiClient.Operator(fixture.Silo);
        using (var created = await api.Post($"mailboxes?tenant={Tenant}", new { name = "m0", settings = Settings("m0") }))
        {
            Assert.True(created.StatusCode is HttpStatusCode.Created or HttpStatusCode.Conflict, created.StatusCode.ToString());
        }

        foreach (var (path, list, position) in Lists)
        {
            // Its own cursor is read: the store continues after the position (nothing there in this tenant).
            var page = await api.Ok(Query(path, $"limit=3&cursor={Cursor(list, position)}"));
            Assert.Equal(JsonValueKind.Array, page.GetProperty("items").ValueKind);
            Assert.Equal(JsonValueKind.Null, page.GetProperty("next").ValueKind);

            var foreign = Lists.First(l => l.List != list);
            foreach (var cursor in new[] { "not!a~cursor", Cursor(foreign.List, position), Cursor(list, "[]"), Cursor(list, "not json"), Cursor(list, ShapeOfAnother(position)) })
            {
                using var refused = await api.Get(Query(path, $"cursor={Uri.EscapeDataString(cursor)}"));
                var problem = await ApiClient.Problem(refused, HttpStatusCode.BadRequest);
                Assert.True(problem.GetProperty("errors").TryGetProperty("cursor", out _), $"{path} with cursor {cursor}: {problem}");
            }

            foreach (var limit in new[] { "0", "-1", "10001" })
            {
                using var refused = await api.Get(Query(path, $"limit={limit}"));
                var problem = await ApiClient.Problem(refused, HttpStatusCode.BadRequest);
                Assert.True(problem.GetProperty("errors").TryGetProperty("limit", out _), $"{path} with limit {limit}: {problem}");
            }
        }
    }

    /// <summary>A position of a shape the list does not keep: a time where it keeps none, none where it keeps one.</summary>
    private static string ShapeOfAnother(string position) =>
        position.StartsWith("[null", StringComparison.Ordinal) ? """["638000000000000000","5",null]""" : """[null,"5",null]""";
}

public sealed class SqliteApiListPagingTests(SiloProcessFixture fixture) : ApiListPagingTests(fixture), IClassFixture<SiloProcessFixture>;

public sealed class PostgresApiListPagingTests(PostgresSiloProcessFixture fixture) : ApiListPagingTests(fixture), IClassFixture<PostgresSiloProcessFixture>;
