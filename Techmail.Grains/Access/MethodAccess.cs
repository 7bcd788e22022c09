using System.Collections.Concurrent;
using System.Reflection;

namespace Techmail.Access;

/// <summary>
/// What a grain interface method declares for access: its permission, which argument (if any) names the tenant, and
/// which boolean argument (if any) asks for secrets. Read once per method by reflection and kept.
/// </summary>
public sealed record MethodAccess(Permission? Permission, int TenantArgument, int SecretsArgument)
{
    private static readonly ConcurrentDictionary<MethodInfo, MethodAccess> Known = new();

    public static MethodAccess Of(MethodInfo method) => Known.GetOrAdd(method, Read);

    private static MethodAccess Read(MethodInfo method)
    {
        var parameters = method.GetParameters();
        return new MethodAccess(
            method.GetCustomAttribute<RequiresAttribute>()?.Permission,
            Array.FindIndex(parameters, p => p.IsDefined(typeof(TenantArgumentAttribute))),
            Array.FindIndex(parameters, p => p.IsDefined(typeof(RevealsSecretsAttribute)) && p.ParameterType == typeof(bool)));
    }

    /// <summary>The tenant a call is about: the marked argument's, else the string key's part before the first '/'.</summary>
    public string? Tenant(Type grainInterface, GrainId target, Func<int, object?> argument)
    {
        if (TenantArgument >= 0)
        {
            return argument(TenantArgument) switch
            {
                string tenant => tenant,
                // Every tenant's (an audit list without --tenant): a cluster-wide call, an operator's alone.
                ITenantScoped scoped => scoped.Tenant,
                // A missing tenant is no tenant in particular: only an operator may then proceed (see AccessPolicy).
                _ => "",
            };
        }

        if (!typeof(IGrainWithStringKey).IsAssignableFrom(grainInterface))
        {
            // Integer-keyed grains serve the whole cluster (the engine's status, the intake backlog of all tenants).
            return null;
        }

        var key = target.Key.ToString();
        var slash = key.IndexOf('/');
        return slash < 0 ? key : key[..slash];
    }

    public bool RevealsSecrets(Func<int, object?> argument) => SecretsArgument >= 0 && argument(SecretsArgument) is true;
}
