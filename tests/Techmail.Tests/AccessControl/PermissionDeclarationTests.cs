using System.Reflection;
using Techmail.Access;

namespace Techmail.Tests.AccessControl;

/// <summary>
/// Deny by default, checked before any silo runs: every method of every grain interface declares the permission a
/// caller from outside needs, and a cluster-wide (integer-keyed) grain's method either serves the cluster's status, is
/// the engine's own, or names the tenant it is about in an argument.
/// </summary>
public sealed class PermissionDeclarationTests
{
    private static readonly IReadOnlyList<Type> GrainInterfaces = typeof(Caller).Assembly.GetTypes()
        .Where(t => t.IsInterface && typeof(IAddressable).IsAssignableFrom(t) && t.GetMethods().Length > 0)
        .ToList();

    private static IEnumerable<MethodInfo> Methods => GrainInterfaces.SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly));

    [Fact]
    public void Every_grain_interface_method_declares_a_permission()
    {
        Assert.True(GrainInterfaces.Count >= 18, $"found only {GrainInterfaces.Count} grain interfaces");
        var undeclared = Methods.Where(m => m.GetCustomAttribute<RequiresAttribute>() is null).Select(m => $"{m.DeclaringType!.Name}.{m.Name}").ToList();
        Assert.True(undeclared.Count == 0, "grain methods without [Requires(...)]: " + string.Join(", ", undeclared));
    }

    [Fact]
    public void A_cluster_wide_grain_method_names_its_tenant_unless_it_serves_the_cluster_or_the_engine()
    {
        var unscoped = Methods
            .Where(m => !typeof(IGrainWithStringKey).IsAssignableFrom(m.DeclaringType))
            .Where(m => m.GetCustomAttribute<RequiresAttribute>()?.Permission is not (Permission.ReadCluster or Permission.Engine))
            .Where(m => MethodAccess.Of(m).TenantArgument < 0)
            .Select(m => $"{m.DeclaringType!.Name}.{m.Name}")
            .ToList();
        Assert.True(unscoped.Count == 0, "cluster-wide methods with a tenant's permission but no [TenantArgument]: " + string.Join(", ", unscoped));
    }

    [Fact]
    public void The_methods_that_return_secrets_in_clear_say_so()
    {
        var export = typeof(Techmail.Mailboxes.IMailboxGrain).GetMethod(nameof(Techmail.Mailboxes.IMailboxGrain.Export))!;
        Assert.True(MethodAccess.Of(export).SecretsArgument >= 0);
        Assert.True(MethodAccess.Of(export).RevealsSecrets(_ => true));
        Assert.False(MethodAccess.Of(export).RevealsSecrets(_ => false));
    }

    [Fact]
    public void The_tenant_of_a_call_comes_from_the_grain_key_or_the_marked_argument()
    {
        var get = MethodAccess.Of(typeof(Techmail.Mailboxes.IMailboxGrain).GetMethod(nameof(Techmail.Mailboxes.IMailboxGrain.Get))!);
        Assert.Equal("t1", get.Tenant(typeof(Techmail.Mailboxes.IMailboxGrain), GrainId.Create("mailbox", "t1/support"), _ => null));
        var rules = MethodAccess.Of(typeof(Techmail.Rules.IRulesGrain).GetMethod(nameof(Techmail.Rules.IRulesGrain.List))!);
        Assert.Equal("t1", rules.Tenant(typeof(Techmail.Rules.IRulesGrain), GrainId.Create("rules", "t1"), _ => null));
        var list = MethodAccess.Of(typeof(Techmail.Incidents.IIncidentListGrain).GetMethod(nameof(Techmail.Incidents.IIncidentListGrain.List))!);
        Assert.Equal("t2", list.Tenant(typeof(Techmail.Incidents.IIncidentListGrain), GrainId.Create("incidentlist", "0"), _ => new Techmail.Incidents.IncidentQuery("t2")));
        var status = MethodAccess.Of(typeof(Techmail.Engine.IEngineGrain).GetMethod(nameof(Techmail.Engine.IEngineGrain.GetStatus))!);
        Assert.Null(status.Tenant(typeof(Techmail.Engine.IEngineGrain), GrainId.Create("engine", "0"), _ => null));
    }
}
