namespace Techmail.Access;

/// <summary>
/// Marks the argument that names the tenant of a call to a grain whose key is not the tenant's (a cluster-wide grain
/// serving one tenant per call): a string, or a value implementing <see cref="ITenantScoped"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Parameter, AllowMultiple = false, Inherited = false)]
public sealed class TenantArgumentAttribute : Attribute
{
}

/// <summary>A request that names the tenant it is about; null: every tenant (then only an operator may ask).</summary>
public interface ITenantScoped
{
    string? Tenant { get; }
}
