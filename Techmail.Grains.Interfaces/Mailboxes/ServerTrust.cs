namespace Techmail.Mailboxes;

/// <summary>
/// Extra trust for one mail server, on top of the system store, never instead of checking: a private CA
/// whose chain the server must present, or the exact certificate (SHA-256 thumbprint) it must present.
/// </summary>
/// <param name="CaCertificatePem">
/// PEM CA certificates: a self-signed one may anchor the server's chain, any other only helps build it.
/// </param>
/// <param name="PinnedSha256">Hex SHA-256 of the server certificate; when it matches, name and chain are not checked.</param>
/// <param name="TenantCrls">
/// The tenant's imported CRLs (DER), added with its server CAs just before a connection and never stored with the
/// mailbox: every certificate of the server's chain is checked against them.
/// </param>
[GenerateSerializer, Immutable, Alias("Techmail.ServerTrust")]
public sealed record ServerTrust(
    [property: Id(0)] string? CaCertificatePem,
    [property: Id(1)] string? PinnedSha256,
    [property: Id(2), System.Text.Json.Serialization.JsonIgnore] IReadOnlyList<byte[]>? TenantCrls = null);
