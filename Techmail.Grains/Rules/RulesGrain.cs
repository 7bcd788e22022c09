using System.Text.Json.Nodes;
using Techmail.Incidents.Parsing;

namespace Techmail.Rules;

/// <summary>Holds the tenant's current document in memory; parsing, storing and evaluating are the plain classes' work.</summary>
public sealed class RulesGrain(RuleStore store, Audit.AuditLog audit, TimeProvider time) : Grain, IRulesGrain
{
    private RuleSetDocument _document = new(0, RuleSetJson.Write(RuleSet.Empty));
    private RuleSet? _compiled;

    private string Tenant => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // Compiled on first use, not here: a stored document that no longer passes validation must not stop an import replacing it.
        _document = await store.Get(Tenant) ?? _document;
        await base.OnActivateAsync(cancellationToken);
    }

    public async Task<RuleImportSummary> Import(string json, long? expectedVersion = null)
    {
        // Checked here, the single writer of the tenant's rules: of two imports made on one version, the second fails.
        Versions.VersionConflictException.Check("the rules", expectedVersion, _document.Version);
        var rules = RuleSetJson.Parse(json);
        var canonical = RuleSetJson.Write(rules);
        var version = await store.Save(Tenant, canonical, time.GetUtcNow());
        var before = _document.Json;
        (_document, _compiled) = (new RuleSetDocument(version, canonical), rules);
        await audit.Record(Tenant, Audit.AuditActions.RulesImport, "rules", JsonNode.Parse(before), JsonNode.Parse(canonical));
        return new RuleImportSummary(rules.Rules.Count, version);
    }

    public Task<IReadOnlyList<RuleSummary>> Validate(string json) => Task.FromResult(Summaries(RuleSetJson.Parse(json)));

    public Task<string> Export() => Task.FromResult(_document.Json);

    public Task<IReadOnlyList<RuleSummary>> List() => Task.FromResult(Summaries(Compiled()));

    public Task<RuleSetDocument> Get() => Task.FromResult(_document);

    public Task<long> Version() => Task.FromResult(_document.Version);

    public Task<RuleOutcome> Test(byte[] raw, string mailbox, bool isNew, bool contactKnown)
    {
        var read = CustomerMessageReader.Read(raw, "rules-test");
        if (!read.IsMessage)
        {
            throw new RulesException($"the message cannot be read: {read.Problem}");
        }

        var input = RuleInput.FromMessage(read.Message, mailbox ?? "", contactKnown, isNew);
        return Task.FromResult(RuleEngine.Evaluate(Compiled(), input));
    }

    private static IReadOnlyList<RuleSummary> Summaries(RuleSet rules) =>
        rules.Rules.Select(r => new RuleSummary(r.Name, r.Enabled, r.Match, r.Conditions.Count, r.Actions.Count)).ToList();

    private RuleSet Compiled() => _compiled ??= RuleSetJson.Parse(_document.Json);
}
