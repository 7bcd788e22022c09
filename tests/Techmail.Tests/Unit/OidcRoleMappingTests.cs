using System.Security.Claims;
using Microsoft.Extensions.Configuration;
using Techmail.Access;
using Techmail.Silo.Http.OpenIdConnect;

namespace Techmail.Tests.Unit;

public sealed class OidcRoleMappingTests
{
    private static OidcRoleMapping Mapping(string rules, string roleClaim = "groups", string? nameClaim = null)
    {
        var (parsed, errors) = OidcRoleMapping.ParseRules(rules);
        Assert.Empty(errors);
        return new OidcRoleMapping(parsed, roleClaim, nameClaim);
    }

    private static ClaimsPrincipal Person(params (string Type, string Value)[] claims) =>
        new(new ClaimsIdentity(claims.Select(c => new Claim(c.Type, c.Value)), "oidc"));

    [Fact]
    public void The_first_rule_in_the_configured_order_whose_value_the_person_holds_decides()
    {
        var mapping = Mapping("acme-admins=admin@acme+secrets; acme-support=agent@acme\ntechmail-ops=operator");

        var (caller, refusal) = mapping.Map(Person(("preferred_username", "alice@acme.example"), ("groups", "acme-support"), ("groups", "acme-admins")));

        Assert.Null(refusal);
        Assert.Equal(new Caller("oidc:alice@acme.example", Role.Admin, "acme", ReadSecrets: true), caller);
        Assert.Equal(new Caller("oidc:bob", Role.Operator, null, false), mapping.Map(Person(("sub", "bob"), ("groups", "techmail-ops"))).Caller);
    }

    [Fact]
    public void Someone_no_rule_maps_is_refused_with_what_they_had()
    {
        var mapping = Mapping("acme-admins=admin@acme");

        Assert.Equal("carol has groups sales, staff, which no Techmail role is mapped to",
            mapping.Map(Person(("preferred_username", "carol"), ("groups", "staff"), ("groups", "sales"))).Refusal);
        Assert.Equal("carol has no groups claim, which no Techmail role is mapped to", mapping.Map(Person(("preferred_username", "carol"))).Refusal);
        Assert.Equal("the identity provider sent no name claim to name the person by", mapping.Map(Person(("groups", "acme-admins"))).Refusal);
    }

    [Fact]
    public void A_configured_name_and_role_claim_are_used_instead_of_the_usual_ones()
    {
        var mapping = Mapping("Techmail Auditors=auditor@acme", roleClaim: "roles", nameClaim: "email");

        var (caller, _) = mapping.Map(Person(("preferred_username", "dave"), ("email", "dave@acme.example"), ("roles", "Techmail Auditors"), ("groups", "x")));

        Assert.Equal(new Caller("oidc:dave@acme.example", Role.Auditor, "acme", false), caller);
    }

    [Theory]
    [InlineData("acme-admins", "is not VALUE=ROLE")]
    [InlineData("x=boss@acme", "'boss' is not a role")]
    [InlineData("x=operator@acme", "an operator works in every tenant")]
    [InlineData("x=admin", "admin needs its tenant")]
    [InlineData("x=agent@acme+secrets", "+secrets is for admins")]
    [InlineData("x=agent@a/b", "agent needs its tenant")]
    public void Rules_that_cannot_be_read_are_refused_naming_the_entry(string rules, string problem)
    {
        var (parsed, errors) = OidcRoleMapping.ParseRules(rules);

        Assert.Empty(parsed);
        Assert.Contains(problem, Assert.Single(errors), StringComparison.Ordinal);
    }

    [Fact]
    public void A_group_named_by_its_ldap_name_keeps_its_commas_and_equals_signs() =>
        Assert.Equal(new OidcRoleRule("cn=support,ou=groups,dc=acme", Role.Agent, "acme", false),
            Assert.Single(OidcRoleMapping.ParseRules("cn=support,ou=groups,dc=acme=agent@acme").Rules));

    [Fact]
    public void Settings_are_off_without_an_authority_and_refuse_plain_http_to_another_host()
    {
        static (OidcSettings?, IReadOnlyList<string>) Read(params (string, string)[] values) =>
            OidcSettings.Read(new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => KeyValuePair.Create("Techmail:OpenIdConnect:" + v.Item1, (string?)v.Item2))).Build());

        Assert.Equal((null, 0), (Read().Item1, Read().Item2.Count));
        var (_, errors) = Read(("Authority", "http://idp.example.com"), ("ClientId", "techmail"));
        Assert.Contains(errors, e => e.Contains("must be https", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("Roles is required", StringComparison.Ordinal));
        var (settings, none) = Read(("Authority", "http://127.0.0.1:5556/"), ("ClientId", "techmail"), ("Roles", "ops=operator"), ("Scopes", "groups"));
        Assert.Empty(none);
        Assert.Equal(["groups"], settings!.Scopes);
        Assert.Equal(Role.Operator, settings.Mapping.Map(Person(("sub", "x"), ("groups", "ops"))).Caller?.Role);
    }
}
