namespace Techmail.Silo.Http.OpenIdConnect;

/// <summary>
/// Signing in to the console through the organisation's OpenID Connect provider (authorization code flow), read from
/// <c>Techmail:OpenIdConnect:*</c>. Off unless an authority is set; then the client id and at least one role rule are
/// required, and every problem is reported at start like the silo's other settings.
/// </summary>
/// <param name="Authority">The provider's issuer URL; its discovery document is read from there.</param>
/// <param name="Scopes">Asked for besides <c>openid</c>, e.g. the scope that makes the provider send groups.</param>
/// <param name="DisplayName">What the sign-in page's button says it signs in with.</param>
public sealed record OidcSettings(
    Uri Authority,
    string ClientId,
    string? ClientSecret,
    IReadOnlyList<string> Scopes,
    OidcRoleMapping Mapping,
    string DisplayName)
{
    public const string Section = "Techmail:OpenIdConnect";

    /// <summary>The settings, or null when OpenID Connect is off, with the problems found (the silo then does not start).</summary>
    public static (OidcSettings? Settings, IReadOnlyList<string> Errors) Read(IConfiguration configuration)
    {
        var section = configuration.GetSection(Section);
        var authority = section["Authority"];
        if (string.IsNullOrWhiteSpace(authority))
        {
            return (null, []);
        }

        var errors = new List<string>();
        if (!Uri.TryCreate(authority.Trim(), UriKind.Absolute, out var url) || url.Scheme is not ("https" or "http"))
        {
            errors.Add($"{Section}:Authority '{authority}' is not an http(s) URL");
        }
        else if (url.Scheme == "http" && !url.IsLoopback)
        {
            // Its keys sign who people are: fetched over plain http, anyone on the path could make themselves operator.
            errors.Add($"{Section}:Authority must be https (plain http only on a loopback address)");
        }

        var clientId = section["ClientId"]?.Trim();
        if (string.IsNullOrEmpty(clientId))
        {
            errors.Add($"{Section}:ClientId is required");
        }

        var secret = section["ClientSecret"];
        if (section["ClientSecretFile"] is { Length: > 0 } file)
        {
            try
            {
                secret = File.ReadAllText(file).Trim();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                errors.Add($"{Section}:ClientSecretFile {file}: {e.Message}");
            }
        }

        var (rules, ruleErrors) = OidcRoleMapping.ParseRules(section["Roles"]);
        errors.AddRange(ruleErrors.Select(e => $"{Section}:Roles {e}"));
        if (rules.Count == 0 && ruleErrors.Count == 0)
        {
            errors.Add($"{Section}:Roles is required: which claim values make an operator, admin, agent or auditor of which tenant");
        }

        if (errors.Count > 0)
        {
            return (null, errors);
        }

        var roleClaim = section["RoleClaim"] is { Length: > 0 } claim ? claim.Trim() : "groups";
        var nameClaim = section["NameClaim"] is { Length: > 0 } name ? name.Trim() : null;
        var scopes = (section["Scopes"] ?? "profile email").Split([' ', ','], StringSplitOptions.RemoveEmptyEntries).ToList();
        return (new OidcSettings(url!, clientId!, string.IsNullOrEmpty(secret) ? null : secret, scopes,
            new OidcRoleMapping(rules, roleClaim, nameClaim), section["DisplayName"] is { Length: > 0 } shown ? shown : "your organisation's sign-in"), []);
    }
}
