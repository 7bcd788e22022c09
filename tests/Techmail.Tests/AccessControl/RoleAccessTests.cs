using Techmail.Access;
using Techmail.Bounces;
using Techmail.Certificates;
using Techmail.Contacts;
using Techmail.Engine;
using Techmail.Incidents;
using Techmail.Mailboxes;
using Techmail.Quarantine;
using Techmail.Rules;
using Techmail.Tenants;
using Techmail.Tests.Cluster;
using Techmail.Tests.Support;

namespace Techmail.Tests.AccessControl;

/// <summary>
/// Each role against each family of calls, through the real silo's filter (an in-process cluster on SQLite): the
/// allowed path gets past authorization (the call may still fail for its own reasons, never as denied), the refused
/// path gets <see cref="AccessDeniedException"/>. Before access control every one of these calls went through.
/// </summary>
public sealed class RoleAccessTests(RoleAccessTests.Fixture fixture) : IClassFixture<RoleAccessTests.Fixture>
{
    private const string Tenant = "acl";
    private const string Reference = "261201-000001";

    /// <summary>The callers: an operator, the tenant's admin with and without secrets, agent, auditor, and another tenant's admin.</summary>
    public static readonly string[] Roles = ["operator", "admin", "admin-secrets", "agent", "auditor", "other-admin"];

    private static readonly Dictionary<string, (Func<IClusterClient, Task> Call, string[] Allowed)> Families = new()
    {
        ["mailbox show"] = (c => c.GetGrain<IMailboxGrain>(MailboxKey.For(Tenant, "box")).Get(), ["operator", "admin", "admin-secrets", "auditor"]),
        ["mailbox list"] = (c => c.GetGrain<ITenantGrain>(Tenant).List(null, 10), ["operator", "admin", "admin-secrets", "auditor"]),
        ["mailbox status"] = (c => c.GetGrain<IMailboxGrain>(MailboxKey.For(Tenant, "box")).GetStatus(), ["operator", "admin", "admin-secrets", "auditor"]),
        ["mailbox disable"] = (c => c.GetGrain<IMailboxGrain>(MailboxKey.For(Tenant, "box")).SetEnabled(false), ["operator", "admin", "admin-secrets"]),
        ["mailbox connect"] = (c => c.GetGrain<Techmail.Connections.IMailboxGrantGrain>(MailboxKey.For(Tenant, "box")).StartDeviceConnect(), ["operator", "admin", "admin-secrets"]),
        ["mailbox status (grant)"] = (c => c.GetGrain<Techmail.Connections.IMailboxGrantGrain>(MailboxKey.For(Tenant, "box")).GetStatus(), ["operator", "admin", "admin-secrets", "auditor"]),
        ["mailbox access token"] = (c => c.GetGrain<Techmail.Connections.IMailboxGrantGrain>(MailboxKey.For(Tenant, "box")).AccessToken(null), ["operator"]),
        ["mailbox export"] = (c => c.GetGrain<IMailboxGrain>(MailboxKey.For(Tenant, "box")).Export(false), ["operator", "admin", "admin-secrets", "auditor"]),
        ["mailbox export --include-secrets"] = (c => c.GetGrain<IMailboxGrain>(MailboxKey.For(Tenant, "box")).Export(true), ["operator", "admin-secrets"]),
        ["rules list"] = (c => c.GetGrain<IRulesGrain>(Tenant).List(), ["operator", "admin", "admin-secrets", "auditor"]),
        ["rules import"] = (c => c.GetGrain<IRulesGrain>(Tenant).Import("{\"rules\": []}"), ["operator", "admin", "admin-secrets"]),
        ["cert list"] = (c => c.GetGrain<ICertificateGrain>(Tenant).List(), ["operator", "admin", "admin-secrets", "auditor"]),
        ["quarantine list"] = (c => c.GetGrain<IQuarantineGrain>(Tenant).List(null, false, 10), ["operator", "admin", "admin-secrets", "auditor"]),
        ["quarantine drop"] = (c => c.GetGrain<IQuarantineGrain>(Tenant).Drop("no-such-id"), ["operator", "admin", "admin-secrets"]),
        ["bounce list"] = (c => c.GetGrain<IBounceDirectoryGrain>(Tenant).List(new BounceQuery()), ["operator", "admin", "admin-secrets", "auditor"]),
        ["incident list"] = (c => c.GetGrain<IIncidentListGrain>(0).List(new IncidentQuery(Tenant)), ["operator", "admin", "admin-secrets", "agent", "auditor"]),
        ["incident show"] = (c => c.GetGrain<IIncidentGrain>(IncidentKey.For(Tenant, Reference)).Get(), ["operator", "admin", "admin-secrets", "agent", "auditor"]),
        ["incident reply"] = (c => c.GetGrain<IIncidentGrain>(IncidentKey.For(Tenant, Reference)).Reply(new AgentReply("Hello", null, [])), ["operator", "agent"]),
        ["incident update"] = (c => c.GetGrain<IIncidentGrain>(IncidentKey.For(Tenant, Reference)).Update(new IncidentChanges(Queue: "Billing")), ["operator", "agent"]),
        ["contact show"] = (c => c.GetGrain<IContactGrain>(AddressKey.For(Tenant, "customer@example.com")).Get(), ["operator", "admin", "admin-secrets", "agent", "auditor"]),
        ["contact revalidate"] = (c => c.GetGrain<IAddressGrain>(AddressKey.For(Tenant, "customer@example.com")).Revalidate(), ["operator", "admin", "admin-secrets", "agent"]),
        ["token list"] = (c => c.GetGrain<ITokenGrain>(Tenant).List(), ["operator", "admin", "admin-secrets"]),
        ["token create"] = (c => c.GetGrain<ITokenGrain>(Tenant).Create(new TokenRequest($"t-{Guid.NewGuid():N}", Role.Auditor, false, null)), ["operator", "admin", "admin-secrets"]),
        ["audit list"] = (c => c.GetGrain<Techmail.Audit.IAuditLogGrain>(0).List(new Techmail.Audit.AuditQuery(Tenant, null, 10)), ["operator", "admin", "admin-secrets", "auditor"]),
        ["audit list of every tenant"] = (c => c.GetGrain<Techmail.Audit.IAuditLogGrain>(0).List(new Techmail.Audit.AuditQuery(null, null, 10)), ["operator"]),
        ["status"] = (c => c.GetGrain<IEngineGrain>(0).GetStatus(), ["operator", "auditor"]),
        ["intake backlog of all tenants"] = (c => c.GetGrain<Techmail.Intake.IIntakeBacklogGrain>(0).ForCluster(), ["operator", "auditor"]),
        // The engine's own methods: no tenant role, not even the tenant's admin with secrets.
        ["engine: outgoing settings with secrets"] = (c => c.GetGrain<IMailboxGrain>(MailboxKey.For(Tenant, "box")).GetOutgoingForSending(), ["operator"]),
        ["engine: create a contact"] = (c => c.GetGrain<IContactGrain>(AddressKey.For(Tenant, "customer@example.com")).FindOrCreate("Mallory", create: true), ["operator"]),
    };

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var family in Families.Keys)
        {
            foreach (var role in Roles)
            {
                data.Add(family, role);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Each_role_may_do_what_it_holds_and_is_refused_the_rest(string family, string role)
    {
        var (call, allowed) = Families[family];
        var denied = await Denial(role, call);
        if (allowed.Contains(role))
        {
            Assert.True(denied is null, $"{role} was refused '{family}': {denied}");
        }
        else
        {
            Assert.True(denied is not null, $"{role} was allowed '{family}'");
        }
    }

    [Fact]
    public async Task An_agent_or_another_tenants_admin_cannot_read_mailbox_passwords()
    {
        var export = Families["mailbox export --include-secrets"].Call;
        Assert.Equal("role agent of tenant acl may not export secrets", await Denial("agent", export));
        Assert.Equal("role admin of tenant other may not work in tenant acl", await Denial("other-admin", export));
        Assert.Equal("role admin of tenant acl may not export secrets (its token was created without --secrets)", await Denial("admin", export));
        Assert.Null(await Denial("admin-secrets", export));
    }

    [Fact]
    public async Task A_call_without_a_token_or_with_a_claimed_caller_is_refused()
    {
        var show = Families["mailbox show"].Call;
        // The client puts an operator's Caller in the request context itself: the silo drops it and asks for a token.
        Assert.StartsWith("no token: pass --token", await Denial(null, show, claim: new Caller("root", Role.Operator, null, true)));
        Assert.Equal("the token is not known to this cluster", await DenialWith("tm1_0123456789ab_" + new string('x', 43), show));
        Assert.Contains("not a techmail token", await DenialWith("Bearer letmein", show));
    }

    [Fact]
    public async Task A_revoked_token_is_refused_at_once()
    {
        var operatorToken = fixture.Tokens["operator"];
        var issued = await As(operatorToken, () => fixture.Client.GetGrain<ITokenGrain>(Tenant).Create(new TokenRequest("short-lived", Role.Auditor, false, null)));
        var show = Families["mailbox show"].Call;
        Assert.Null(await DenialWith(issued.Token, show));

        Assert.True(await As(operatorToken, () => fixture.Client.GetGrain<ITokenGrain>(Tenant).Revoke("short-lived")));

        Assert.StartsWith("token short-lived was revoked on ", await DenialWith(issued.Token, show));
    }

    [Fact]
    public async Task The_caller_a_grain_sees_is_the_one_the_silo_verified()
    {
        // The token grain records who created a token from Caller.Current, which only the filter sets.
        var info = await As(fixture.Tokens["admin"], () => fixture.Client.GetGrain<ITokenGrain>(Tenant).Create(new TokenRequest("made-by-admin", Role.Agent, false, null)));
        Assert.Equal("acl-admin", info.Info.CreatedBy);
    }

    private Task<string?> Denial(string? role, Func<IClusterClient, Task> call, Caller? claim = null) =>
        DenialWith(role is null ? null : fixture.Tokens[role], call, claim);

    private async Task<string?> DenialWith(string? token, Func<IClusterClient, Task> call, Caller? claim = null)
    {
        try
        {
            await As(token, async () =>
            {
                if (claim is not null)
                {
                    RequestContext.Set(Caller.ContextKey, claim);
                }

                await call(fixture.Client);
                return 0;
            });
            return null;
        }
        catch (AccessDeniedException e)
        {
            return e.Message;
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            // Past authorization: the grain itself answered (no such incident, invalid rules and the like).
            return null;
        }
    }

    private static async Task<T> As<T>(string? token, Func<Task<T>> call)
    {
        // Null stands for "no token": a blank one keeps the test cluster's client from adding the operator's.
        RequestContext.Set(AccessContext.TokenKey, token ?? " ");
        try
        {
            return await call();
        }
        finally
        {
            RequestContext.Clear();
        }
    }

    public sealed class Fixture : IAsyncLifetime
    {
        private readonly SqliteClusterFixture _cluster = new();

        public IClusterClient Client => _cluster.Client;

        public Dictionary<string, string> Tokens { get; } = [];

        public async Task InitializeAsync()
        {
            await _cluster.InitializeAsync();
            Tokens["operator"] = (await File.ReadAllTextAsync(TechmailTestCluster.OperatorTokenFile(_cluster.Options))).Trim();
            await Client.GetGrain<IMailboxGrain>(MailboxKey.For(Tenant, "box")).Create(Samples.Service(enabled: false));
            async Task Issue(string role, string tenant, Role as_, bool secrets) =>
                Tokens[role] = (await Client.GetGrain<ITokenGrain>(tenant).Create(new TokenRequest($"{tenant}-{role}", as_, secrets, null))).Token;
            await Issue("admin", Tenant, Role.Admin, false);
            await Issue("admin-secrets", Tenant, Role.Admin, true);
            await Issue("agent", Tenant, Role.Agent, false);
            await Issue("auditor", Tenant, Role.Auditor, false);
            await Issue("other-admin", "other", Role.Admin, false);
        }

        public Task DisposeAsync() => _cluster.DisposeAsync();
    }
}
