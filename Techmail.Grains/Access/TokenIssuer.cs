namespace Techmail.Access;

/// <summary>
/// Creates and revokes tokens for a caller, who can never give more than it holds: only an operator creates tokens of
/// another tenant, nobody creates an operator token this way (the silo writes those), and only a caller who may read
/// secrets creates a token that may.
/// </summary>
public sealed class TokenIssuer(TokenStore store, TokenVerifier verifier, TimeProvider time)
{
    public const int MaxNameLength = 64;

    public async Task<IssuedToken> Create(string tenant, TokenRequest request, Caller? by)
    {
        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Length > MaxNameLength || request.Name.Any(char.IsControl))
        {
            throw new TokenException($"a token name is 1 to {MaxNameLength} printable characters.");
        }

        if (request.Role == Role.Operator)
        {
            throw new TokenException("operator tokens are not created here: each silo writes one to DATA/operator-token at its first start.");
        }

        if (request.ReadSecrets && request.Role != Role.Admin)
        {
            throw new TokenException($"only an admin token may read secrets, not a {request.Role.ToString().ToLowerInvariant()} token.");
        }

        if (request.ReadSecrets && by is not null && !AccessPolicy.Holds(by, Permission.ReadSecrets))
        {
            throw new AccessDeniedException($"{AccessPolicy.Describe(by)} may not create a token with --secrets: its own token cannot read secrets");
        }

        var now = time.GetUtcNow();
        if (request.Expires is { } expires && expires <= now)
        {
            throw new TokenException("--expires must lie in the future.");
        }

        var (id, token) = TokenText.New();
        var info = new TokenInfo(request.Name, tenant, request.Role, request.ReadSecrets, now, request.Expires, null, by?.Name ?? "engine");
        await store.Insert(new StoredToken(id, TokenText.Hash(token), info));
        return new IssuedToken(token, info);
    }

    /// <summary>An operator's token for a silo's DATA/operator-token.</summary>
    public async Task<string> CreateOperator(string name)
    {
        var (id, token) = TokenText.New();
        var info = new TokenInfo(name, null, Role.Operator, true, time.GetUtcNow(), null, null, "silo");
        await store.Insert(new StoredToken(id, TokenText.Hash(token), info));
        return token;
    }

    /// <param name="tenant">The tenant, or null for an operator's token.</param>
    public async Task<bool> Revoke(string? tenant, string name)
    {
        var ids = await store.Revoke(tenant, name, time.GetUtcNow());
        verifier.Forget(ids);
        return ids.Count > 0;
    }
}
