using System.Collections.Concurrent;

namespace Techmail.Rules;

/// <summary>
/// Compiled rule sets for the intake of this silo, one per tenant, compiled once per version. Every call asks the
/// tenant's rules grain for the version (a small read-only call), so a message handed off after an import returned
/// is always judged by the imported rules, never by a copy that is a few seconds stale.
/// </summary>
public sealed class RuleSetCache(IGrainFactory grains)
{
    private readonly ConcurrentDictionary<string, Entry> _sets = new(StringComparer.Ordinal);

    /// <exception cref="RulesException">The stored document no longer passes validation (rules changed under a newer silo).</exception>
    public async Task<RuleSet> For(string tenant)
    {
        var grain = grains.GetGrain<IRulesGrain>(tenant);
        var version = await grain.Version();
        if (_sets.TryGetValue(tenant, out var cached) && cached.Version == version)
        {
            return cached.Set.Value;
        }

        var document = await grain.Get();
        var fresh = new Entry(document.Version, new Lazy<RuleSet>(() => RuleSetJson.Parse(document.Json)));
        // Two messages racing after an import both fetch; the newer version is kept and compiled once (Lazy).
        var entry = _sets.AddOrUpdate(tenant, fresh, (_, existing) => existing.Version >= fresh.Version ? existing : fresh);
        return entry.Set.Value;
    }

    private sealed record Entry(long Version, Lazy<RuleSet> Set);
}
