namespace Techmail.Access;

/// <summary>
/// The permission a caller from outside needs for this grain method. The tenant it applies to is the grain key's
/// (up to the first '/'), or the argument marked <see cref="TenantArgumentAttribute"/> on integer-keyed grains.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class RequiresAttribute(Permission permission) : Attribute
{
    public Permission Permission { get; } = permission;
}
