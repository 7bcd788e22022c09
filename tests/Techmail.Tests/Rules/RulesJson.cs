namespace Techmail.Tests.Rules;

/// <summary>Small rules documents written the way an admin writes them, single quotes for readability.</summary>
internal static class RulesJson
{
    /// <summary>A document of the given rules; each rule is JSON with ' for ".</summary>
    public static string Of(params string[] rules) => "{\"rules\": [" + string.Join(",", rules).Replace('\'', '"') + "]}";

    /// <summary>One enabled rule named <paramref name="name"/> with the given match, conditions and actions.</summary>
    public static string Rule(string name, string conditions, string actions, string match = "all", bool enabled = true) =>
        $"{{'name': '{name}', 'enabled': {(enabled ? "true" : "false")}, 'match': '{match}', 'conditions': [{conditions}], 'actions': {{{actions}}}}}";
}
