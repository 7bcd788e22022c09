using Techmail.Rules;
using Techmail.Tests.Cluster;
using static Techmail.Tests.Rules.RulesJson;

namespace Techmail.Tests.Rules;

/// <summary>The rules grain and the per-silo cache, on an in-process silo with real storage.</summary>
public sealed class RulesGrainTests(SqliteClusterFixture fixture) : IClassFixture<SqliteClusterFixture>
{
    private static string NewTenant() => "rules" + Guid.NewGuid().ToString("N")[..10];

    [Fact]
    public async Task Import_is_all_or_nothing_and_export_gives_back_the_canonical_text()
    {
        var grain = fixture.Client.GetGrain<IRulesGrain>(NewTenant());
        Assert.Equal(new RuleSetDocument(0, "{\n  \"rules\": []\n}\n"), await grain.Get());

        var summary = await grain.Import(Of(Rule("a", "{'field': 'isNew'}", "'queue': 'q'"), Rule("b", "", "'stop': true, 'addTags': ['x']", enabled: false)));
        Assert.Equal(new RuleImportSummary(2, 1), summary);
        var exported = await grain.Export();

        var refusal = await Assert.ThrowsAsync<RulesException>(() => grain.Import(Of(Rule("a", "{'field': 'nope'}", "'queue': 'q'"))));
        Assert.Equal("rules[0].conditions[0].field", Assert.Single(refusal.Errors).Field);
        Assert.Equal(exported, await grain.Export());
        Assert.Equal(1, await grain.Version());

        Assert.Equal(new RuleImportSummary(2, 2), await grain.Import(exported));
        Assert.Equal(exported, await grain.Export());
        Assert.Equal(
            [new RuleSummary("a", true, RuleMatch.All, 1, 1), new RuleSummary("b", false, RuleMatch.All, 0, 2)],
            await grain.List());
    }

    [Fact]
    public async Task Test_reads_a_raw_message_and_changes_nothing()
    {
        var grain = fixture.Client.GetGrain<IRulesGrain>(NewTenant());
        await grain.Import(Of(
            Rule("from-support", "{'field': 'mailbox', 'op': 'equals', 'value': 'support'}, {'field': 'contactKnown'}", "'queue': 'known'"),
            Rule("replies", "{'field': 'isNew', 'not': true}", "'status': 'updated', 'addTags': ['reply']")));
        var raw = Incidents.CustomerMail.Raw("From: ann@customer.example\nSubject: hi\n\nbody\n");

        var outcome = await grain.Test(raw, "support", isNew: false, contactKnown: true);

        Assert.Equal(["from-support", "replies"], outcome.Fired);
        Assert.Equal(("known", Techmail.Incidents.IncidentStatus.Updated), (outcome.Queue, outcome.Status));
        Assert.Equal(1, await grain.Version());

        var unreadable = await Assert.ThrowsAsync<RulesException>(() => grain.Test("Subject: no sender\r\n\r\nx"u8.ToArray(), "support", true, false));
        Assert.Contains("cannot be read", unreadable.Message);
    }

    [Fact]
    public async Task The_cache_compiles_once_per_version_and_sees_an_import_at_once()
    {
        var tenant = NewTenant();
        var cache = new RuleSetCache(fixture.Client);
        var empty = await cache.For(tenant);
        Assert.Empty(empty.Rules);

        await fixture.Client.GetGrain<IRulesGrain>(tenant).Import(Of(Rule("a", "", "'queue': 'q'")));
        var first = await cache.For(tenant);
        Assert.Equal(["a"], first.Rules.Select(r => r.Name));
        Assert.Same(first, await cache.For(tenant));

        await fixture.Client.GetGrain<IRulesGrain>(tenant).Import(Of(Rule("b", "", "'queue': 'q'")));
        Assert.Equal(["b"], (await cache.For(tenant)).Rules.Select(r => r.Name));
    }
}
