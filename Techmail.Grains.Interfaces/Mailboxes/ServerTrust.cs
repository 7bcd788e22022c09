namespace Techmail.Mailboxes;

/// <summary>
/// Extra trust for one mail server, on top of the system store, never instead of checking: a private CA
/// whose chain the server must present, or the exact certificate (SHA-256 thumbprint) it must present.
/// </summary>
/// <param name="CaCertificatePem">A PEM CA certificate that may anchor the server's chain.</param>
/// <param name="PinnedSha256">Hex SHA-256 of the server certificate; when it matches, name and chain are not checked.</param>
[GenerateSerializer, Immutable, Alias("Techmail.ServerTrust")]
public sealed record ServerTrust(
    [property: Id(0)] string? CaCertificatePem,
    [property: Id(1)] string? PinnedSha256);
