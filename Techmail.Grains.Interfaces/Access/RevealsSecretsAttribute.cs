namespace Techmail.Access;

/// <summary>
/// Marks a boolean argument that, when true, makes the call return secrets in clear; the caller then also needs
/// <see cref="Permission.ReadSecrets"/> besides the method's own permission.
/// </summary>
[AttributeUsage(AttributeTargets.Parameter, AllowMultiple = false, Inherited = false)]
public sealed class RevealsSecretsAttribute : Attribute
{
}
