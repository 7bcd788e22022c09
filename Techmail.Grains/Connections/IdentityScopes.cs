namespace Techmail.Connections;

/// <summary>
/// The OpenID Connect scopes a consent asks for beside the mail scopes, so the provider returns an ID token naming who
/// consented (<see cref="IdTokenAccount"/>). They are about that ID token only, so a refresh leaves them out.
/// </summary>
public static class IdentityScopes
{
    /// <summary>
    /// What the presets ask for: <c>openid</c> for the ID token, <c>email</c> for its email claim (Microsoft puts a
    /// work account's address there only when asked; Google likewise).
    /// </summary>
    public const string OpenIdEmail = "openid email";

    private static readonly HashSet<string> Identity = new(["openid", "email", "profile"], StringComparer.Ordinal);

    /// <summary>
    /// The scope a refresh sends: the consent's without the OpenID Connect ones. A refresh must ask for no more than the
    /// consent gave (RFC 6749 6), which this keeps; Microsoft issues a refresh's token for one resource, and the account
    /// was already taken from the consent's ID token, so the refresh needs none of them. Null when nothing is left.
    /// </summary>
    public static string? ForRefresh(string? scope)
    {
        var kept = (scope ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(s => !Identity.Contains(s)).ToList();
        return kept.Count == 0 ? null : string.Join(' ', kept);
    }
}
