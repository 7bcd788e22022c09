namespace Techmail.Access;

/// <summary>
/// One tenant's access tokens, keyed by the tenant. A token is shown once, when it is created; only its SHA-256 hash is
/// stored. An operator manages any tenant's tokens, an admin its own tenant's, and neither can give a token more than
/// it has itself (an admin without secrets cannot create one with secrets).
/// </summary>
[Alias("Techmail.ITokenGrain")]
public interface ITokenGrain : IGrainWithStringKey
{
    /// <summary>The key of the grain holding the operators' tokens (tenant "*": only an operator works there).</summary>
    public const string Operators = "*";

    /// <exception cref="TokenException">The name is taken or invalid, the role is operator, or the caller may not grant secrets.</exception>
    [Alias("Create"), Requires(Permission.ManageTokens)]
    Task<IssuedToken> Create(TokenRequest request);

    /// <summary>The tenant's tokens, newest first, revoked ones included; never the token itself.</summary>
    [Alias("List"), Requires(Permission.ManageTokens)]
    Task<IReadOnlyList<TokenInfo>> List();

    /// <returns>False when the tenant has no live token of that name.</returns>
    [Alias("Revoke"), Requires(Permission.ManageTokens)]
    Task<bool> Revoke(string name);
}

[GenerateSerializer, Immutable, Alias("Techmail.TokenRequest")]
public sealed record TokenRequest(
    [property: Id(0)] string Name,
    [property: Id(1)] Role Role,
    [property: Id(2)] bool ReadSecrets,
    [property: Id(3)] DateTimeOffset? Expires);

/// <summary>A token as listed: everything but the token.</summary>
[GenerateSerializer, Immutable, Alias("Techmail.TokenInfo")]
public sealed record TokenInfo(
    [property: Id(0)] string Name,
    [property: Id(1)] string? Tenant,
    [property: Id(2)] Role Role,
    [property: Id(3)] bool ReadSecrets,
    [property: Id(4)] DateTimeOffset Created,
    [property: Id(5)] DateTimeOffset? Expires,
    [property: Id(6)] DateTimeOffset? Revoked,
    [property: Id(7)] string CreatedBy);

/// <summary>A new token: <see cref="Token"/> is its only copy in clear.</summary>
[GenerateSerializer, Immutable, Alias("Techmail.IssuedToken")]
public sealed record IssuedToken([property: Id(0)] string Token, [property: Id(1)] TokenInfo Info);

[GenerateSerializer, Alias("Techmail.TokenException")]
public sealed class TokenException : Exception
{
    public TokenException(string message) : base(message)
    {
    }
}
