namespace Techmail.Access;

/// <summary>One tenant's tokens; the work is <see cref="TokenIssuer"/>'s and <see cref="TokenStore"/>'s.</summary>
public sealed class TokenGrain(TokenIssuer issuer, TokenStore store) : Grain, ITokenGrain
{
    private string Tenant => this.GetPrimaryKeyString();

    public Task<IssuedToken> Create(TokenRequest request) => issuer.Create(Tenant, request, Caller.Current);

    public Task<IReadOnlyList<TokenInfo>> List() => store.List(Tenant);

    public Task<bool> Revoke(string name) => issuer.Revoke(Tenant, name);
}
