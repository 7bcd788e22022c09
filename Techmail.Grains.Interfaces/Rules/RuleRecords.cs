namespace Techmail.Rules;

/// <summary>A tenant's rules as stored: canonical JSON and the version each import increments (0: never imported).</summary>
[GenerateSerializer, Immutable, Alias("Techmail.RuleSetDocument")]
public sealed record RuleSetDocument([property: Id(0)] long Version, [property: Id(1)] string Json);

/// <summary>What an import stored.</summary>
[GenerateSerializer, Immutable, Alias("Techmail.RuleImportSummary")]
public sealed record RuleImportSummary([property: Id(0)] int Count, [property: Id(1)] long Version);

/// <summary>One rule as <c>rules list</c> shows it.</summary>
[GenerateSerializer, Immutable, Alias("Techmail.RuleSummary")]
public sealed record RuleSummary(
    [property: Id(0)] string Name,
    [property: Id(1)] bool Enabled,
    [property: Id(2)] RuleMatch Match,
    [property: Id(3)] int Conditions,
    [property: Id(4)] int Actions);
