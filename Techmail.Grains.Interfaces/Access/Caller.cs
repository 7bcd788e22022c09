namespace Techmail.Access;

/// <summary>What a verified identity may do: the whole cluster, one tenant's settings, one tenant's work, or reading.</summary>
public enum Role
{
    Operator,
    Admin,
    Agent,
    Auditor,
}

/// <summary>
/// Who a call into the engine comes from, as the silo verified it (a token's hash, or a client certificate), never as
/// a client claims it. The silo's incoming call filter sets it for each call from outside; calls between grains carry
/// it along, so work a call starts is still attributed to the person who started it.
/// </summary>
/// <param name="Name">The token's or certificate's name, shown in the audit log.</param>
/// <param name="Tenant">The one tenant an admin, agent or auditor works in; null for an operator.</param>
/// <param name="ReadSecrets">Whether the identity may see mailbox secrets in clear (an export with secrets).</param>
[GenerateSerializer, Immutable, Alias("Techmail.Caller")]
public sealed record Caller(
    [property: Id(0)] string Name,
    [property: Id(1)] Role Role,
    [property: Id(2)] string? Tenant,
    [property: Id(3)] bool ReadSecrets)
{
    /// <summary>The request-context key the silo's filter writes; a value a client sends under it is discarded.</summary>
    public const string ContextKey = "techmail.caller";

    /// <summary>The caller of the call being served, or null for the engine's own work (a reminder, a timer).</summary>
    public static Caller? Current => RequestContext.Get(ContextKey) as Caller;

    /// <summary>The name an audit entry gives the actor: the caller's, or "engine" for the engine's own work.</summary>
    public static string ActorName => Current?.Name ?? "engine";
}
