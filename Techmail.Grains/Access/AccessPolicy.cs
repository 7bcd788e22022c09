namespace Techmail.Access;

/// <summary>
/// Which role holds which permission, and whether a caller may use one in a tenant. An operator holds every permission
/// in every tenant; the others only in the tenant their token names. The engine's own methods are an operator's alone.
/// </summary>
public static class AccessPolicy
{
    private static readonly IReadOnlyDictionary<Role, Permission[]> Granted = new Dictionary<Role, Permission[]>
    {
        // The engine's own methods too: an operator holds the database and the data directory anyway, and drives
        // intake and wake-ups by hand when something is stuck (and the tests drive them so).
        [Role.Operator] = [Permission.Engine, Permission.ReadCluster, Permission.ReadSettings, Permission.ManageSettings, Permission.ReadSecrets, Permission.ReadWork, Permission.DoWork, Permission.ReviseAddresses, Permission.ManageTokens],
        // Secrets only with a token given --secrets (checked below): settings work rarely needs passwords in clear.
        [Role.Admin] = [Permission.ReadSettings, Permission.ManageSettings, Permission.ReadSecrets, Permission.ReadWork, Permission.ReviseAddresses, Permission.ManageTokens],
        [Role.Agent] = [Permission.ReadWork, Permission.DoWork, Permission.ReviseAddresses],
        // The cluster's status holds counts, not a tenant's data; an auditor watching the engine needs it.
        [Role.Auditor] = [Permission.ReadCluster, Permission.ReadSettings, Permission.ReadWork],
    };

    public static bool Holds(Caller caller, Permission permission) =>
        Granted[caller.Role].Contains(permission) && (permission != Permission.ReadSecrets || caller.Role == Role.Operator || caller.ReadSecrets);

    /// <param name="tenant">The tenant the call is about, or null for a cluster-wide call.</param>
    /// <returns>Null when allowed, else the one line that says what is not allowed.</returns>
    public static string? Refusal(Caller caller, Permission permission, string? tenant, bool revealsSecrets)
    {
        var who = Describe(caller);
        if (permission == Permission.Engine && caller.Role != Role.Operator)
        {
            return $"{who} may not {Verb(permission)}: only the engine and operators call it";
        }

        if (caller.Role != Role.Operator && tenant is not null && !string.Equals(caller.Tenant, tenant, StringComparison.Ordinal))
        {
            return $"{who} may not work in tenant {(tenant.Length == 0 ? "(none named)" : tenant)}";
        }

        // A call about no tenant in particular reaches every tenant's data: the cluster's status aside, an operator's.
        if (caller.Role != Role.Operator && tenant is null && permission != Permission.ReadCluster)
        {
            return $"{who} may not {Verb(permission)} across all tenants";
        }

        // Secrets first: "may not export secrets" says more to an agent trying it than "may not read settings".
        if (revealsSecrets && !Holds(caller, Permission.ReadSecrets))
        {
            return $"{who} may not {Verb(Permission.ReadSecrets)}{(caller.Role == Role.Admin ? " (its token was created without --secrets)" : "")}";
        }

        if (!Holds(caller, permission))
        {
            return $"{who} may not {Verb(permission)}";
        }

        return null;
    }

    public static string Describe(Caller caller) => caller.Role == Role.Operator
        ? $"operator {caller.Name}"
        : $"role {caller.Role.ToString().ToLowerInvariant()} of tenant {caller.Tenant}";

    private static string Verb(Permission permission) => permission switch
    {
        Permission.Engine => "call this engine method",
        Permission.ReadCluster => "read the cluster's status",
        Permission.ReadSettings => "read settings (mailboxes, rules, certificates, quarantine, outbox, bounces)",
        Permission.ManageSettings => "change settings (mailboxes, rules, certificates, quarantine, sending)",
        Permission.ReadSecrets => "export secrets",
        Permission.ReadWork => "read incidents and contacts",
        Permission.DoWork => "reply to or change incidents",
        Permission.ReviseAddresses => "mark a bounced address valid again",
        Permission.ManageTokens => "manage tokens",
        _ => permission.ToString(),
    };
}
