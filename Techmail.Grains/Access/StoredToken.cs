namespace Techmail.Access;

/// <summary>A row of techmail_tokens: what a token grants, and its hash.</summary>
public sealed record StoredToken(string Id, byte[] Hash, TokenInfo Info)
{
    public Caller Caller => new(Info.Name, Info.Role, Info.Tenant, Info.ReadSecrets);
}
