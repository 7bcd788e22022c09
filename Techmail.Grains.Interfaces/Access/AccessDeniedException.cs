namespace Techmail.Access;

/// <summary>
/// A call from outside the cluster was refused: no identity, an unknown, expired or revoked token, or a role that may
/// not do this in this tenant. The message is one line meant for the person at the client (exit code 6 there).
/// </summary>
[GenerateSerializer, Alias("Techmail.AccessDeniedException")]
public sealed class AccessDeniedException : Exception
{
    public AccessDeniedException(string message) : base(message)
    {
    }
}
