using System.Security.Claims;
using Techmail.Access;

namespace Techmail.Silo.Http.OpenIdConnect;

/// <summary>One line of the mapping: people whose role claim holds <see cref="ClaimValue"/> act as this role in this tenant.</summary>
public sealed record OidcRoleRule(string ClaimValue, Role Role, string? Tenant, bool ReadSecrets)
{
    public override string ToString() =>
        $"{ClaimValue}={Role.ToString().ToLowerInvariant()}{(Tenant is null ? "" : $"@{Tenant}")}{(ReadSecrets ? "+secrets" : "")}";
}

/// <summary>
/// Who a person signed in at the organisation's identity provider is in Techmail: the first rule, in the order the
/// configuration lists them, whose value is among the person's role claims (e.g. their groups) gives the role and
/// tenant; nobody matching no rule gets in. First match rather than "most powerful" because Techmail's roles are not a
/// ladder (an admin may not answer incidents, an agent may not change settings), so the order the operator wrote is the
/// only choice that cannot surprise. The caller's name is "oidc:" and the person's name claim, so the audit log tells
/// them from tokens (whose names have no colon).
/// </summary>
public sealed class OidcRoleMapping(IReadOnlyList<OidcRoleRule> rules, string roleClaim, string? nameClaim)
{
    public const string NamePrefix = "oidc:";

    // Tried in order when no name claim is configured: what providers commonly send for a person's login name.
    private static readonly string[] NameClaims = ["preferred_username", "email", ClaimTypes.Email, "upn", "sub", ClaimTypes.NameIdentifier];

    public IReadOnlyList<OidcRoleRule> Rules => rules;

    /// <returns>The caller, or null and the one line that says why the person may not sign in.</returns>
    public (Caller? Caller, string? Refusal) Map(ClaimsPrincipal person)
    {
        var name = (nameClaim is null ? NameClaims : [nameClaim])
            .Select(type => person.FindFirst(type)?.Value)
            .FirstOrDefault(value => !string.IsNullOrWhiteSpace(value));
        if (name is null)
        {
            return (null, $"the identity provider sent no {(nameClaim ?? "name")} claim to name the person by");
        }

        var values = person.FindAll(roleClaim).Select(c => c.Value).ToHashSet(StringComparer.Ordinal);
        var rule = rules.FirstOrDefault(r => values.Contains(r.ClaimValue));
        if (rule is null)
        {
            var had = values.Count == 0 ? $"no {roleClaim} claim" : $"{roleClaim} {string.Join(", ", values.Order(StringComparer.Ordinal))}";
            return (null, $"{name} has {had}, which no Techmail role is mapped to");
        }

        return (new Caller(NamePrefix + name.Trim(), rule.Role, rule.Tenant, rule.ReadSecrets), null);
    }

    /// <summary>
    /// Reads the rules from their configured text: <c>VALUE=ROLE[@TENANT][+secrets]</c>, separated by semicolons or new
    /// lines (not commas: a group may be an LDAP name, which has them), e.g.
    /// <c>techmail-ops=operator; acme-admins=admin@acme+secrets; acme-support=agent@acme</c>.
    /// </summary>
    public static (IReadOnlyList<OidcRoleRule> Rules, IReadOnlyList<string> Errors) ParseRules(string? text)
    {
        var rules = new List<OidcRoleRule>();
        var errors = new List<string>();
        foreach (var entry in (text ?? "").Split([';', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            // The claim value may itself hold '=' (an LDAP group's DN), the role never: split at the last one.
            var equals = entry.LastIndexOf('=');
            if (equals <= 0 || equals == entry.Length - 1)
            {
                errors.Add($"'{entry}' is not VALUE=ROLE[@TENANT][+secrets]");
                continue;
            }

            var value = entry[..equals].Trim();
            var target = entry[(equals + 1)..].Trim();
            var secrets = target.EndsWith("+secrets", StringComparison.OrdinalIgnoreCase);
            if (secrets)
            {
                target = target[..^"+secrets".Length];
            }

            var at = target.IndexOf('@');
            var roleText = at < 0 ? target : target[..at];
            var tenant = at < 0 ? null : target[(at + 1)..];
            if (!Enum.TryParse<Role>(roleText, ignoreCase: true, out var role) || !Enum.IsDefined(role) || int.TryParse(roleText, out _))
            {
                errors.Add($"'{entry}': '{roleText}' is not a role; use operator, admin, agent or auditor");
            }
            else if (role == Role.Operator && tenant is not null)
            {
                errors.Add($"'{entry}': an operator works in every tenant, so names none");
            }
            else if (role != Role.Operator && !Mailboxes.MailboxKey.IsValidName(tenant))
            {
                errors.Add($"'{entry}': {role.ToString().ToLowerInvariant()} needs its tenant, as {role.ToString().ToLowerInvariant()}@TENANT (letters, digits, '.', '_', '-')");
            }
            else if (secrets && role is not (Role.Admin or Role.Operator))
            {
                errors.Add($"'{entry}': +secrets is for admins (operators read secrets anyway)");
            }
            else
            {
                rules.Add(new OidcRoleRule(value, role, tenant, secrets));
            }
        }

        return (rules, errors);
    }
}
