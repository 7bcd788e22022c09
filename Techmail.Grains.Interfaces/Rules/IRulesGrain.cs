using Orleans.Concurrency;

namespace Techmail.Rules;

/// <summary>
/// A tenant's business rules for Service mail; the single writer of its row. Key: the tenant name. Reads are
/// read-only calls, so intake on every silo checking the version does not queue behind one another.
/// </summary>
[Alias("Techmail.IRulesGrain")]
public interface IRulesGrain : IGrainWithStringKey
{
    /// <summary>Replaces all rules with the JSON's, or nothing at all.</summary>
    /// <param name="expectedVersion">
    /// When given, the rules are replaced only if they are still at this <see cref="RuleSetDocument.Version"/>; else a
    /// <see cref="Versions.VersionConflictException"/> and nothing changes.
    /// </param>
    /// <exception cref="RulesException">The JSON is refused; every problem is listed.</exception>
    [Alias("Import"), Requires(Permission.ManageSettings)]
    Task<RuleImportSummary> Import(string json, long? expectedVersion = null);

    /// <summary>Reads the JSON as <see cref="Import"/> would, and stores nothing: the rules it holds, in order.</summary>
    /// <exception cref="RulesException">The JSON would be refused; every problem is listed.</exception>
    [Alias("Validate"), ReadOnly, Requires(Permission.ReadSettings)]
    Task<IReadOnlyList<RuleSummary>> Validate(string json);

    /// <summary>The rules as canonical JSON, which <see cref="Import"/> takes back unchanged.</summary>
    [Alias("Export"), ReadOnly, Requires(Permission.ReadSettings)]
    Task<string> Export();

    [Alias("List"), ReadOnly, Requires(Permission.ReadSettings)]
    Task<IReadOnlyList<RuleSummary>> List();

    /// <summary>The stored document, for silos that compile and cache it per version.</summary>
    [Alias("Get"), ReadOnly, Requires(Permission.ReadSettings)]
    Task<RuleSetDocument> Get();

    /// <summary>Only the version, so a silo can check its cached rules for every message cheaply.</summary>
    [Alias("Version"), ReadOnly, Requires(Permission.ReadSettings)]
    Task<long> Version();

    /// <summary>Runs the rules over a raw message and says what they would decide. Changes nothing.</summary>
    /// <exception cref="RulesException">The message cannot be read.</exception>
    [Alias("Test"), ReadOnly, Requires(Permission.ReadSettings)]
    Task<RuleOutcome> Test(byte[] raw, string mailbox, bool isNew, bool contactKnown);
}
