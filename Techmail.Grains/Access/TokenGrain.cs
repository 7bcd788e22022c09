namespace Techmail.Access;

/// <summary>One tenant's tokens; the work is <see cref="TokenIssuer"/>'s and <see cref="TokenStore"/>'s.</summary>
public sealed class TokenGrain(TokenIssuer issuer, TokenStore store) : Grain, ITokenGrain
{
    // The operators' tokens have no tenant; their grain is the one keyed ITokenGrain.Operators.
    private string? Tenant => this.GetPrimaryKeyString() is var key && key == ITokenGrain.Operators ? null : key;

    public Task<IssuedToken> Create(TokenRequest request) => Tenant is { } tenant
        ? issuer.Create(tenant, request, Caller.Current)
        : throw new TokenException("operator tokens are not created here: each silo writes one to DATA/operator-token at its first start.");

    public Task<IReadOnlyList<TokenInfo>> List() => store.List(Tenant);

    public Task<bool> Revoke(string name) => issuer.Revoke(Tenant, name);
}
