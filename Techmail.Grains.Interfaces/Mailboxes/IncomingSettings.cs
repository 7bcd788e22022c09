namespace Techmail.Mailboxes;

/// <summary>Where and how a mailbox fetches its mail.</summary>
/// <param name="Port">Null picks the protocol's usual port for the TLS mode.</param>
/// <param name="Password">
/// Plain text only on the way in. Stored encrypted; shown back as <see cref="Secret.Mask"/>.
/// On update, null or the mask keeps the stored password.
/// </param>
/// <param name="AuthMechanisms">SASL mechanisms in order of preference (e.g. SCRAM-SHA-256, PLAIN); empty lets the client choose.</param>
/// <param name="Trust">What to trust beyond the system store; null trusts the system store only.</param>
/// <param name="ProcessedFolder">IMAP only: move handled mail here instead of deleting it.</param>
/// <param name="AllowPlaintextPassword">
/// Lets any login cross a connection without TLS: PLAIN, LOGIN, USER/PASS or a bearer token show the secret, and a
/// captured challenge-response exchange (CRAM-MD5, DIGEST-MD5, APOP, SCRAM) can be cracked offline.
/// </param>
/// <param name="OAuth">Log in with an OAuth 2.0 token instead of <see cref="Password"/>.</param>
/// <param name="TrustedAuthServIds">
/// The authserv-ids of the receiving servers whose Authentication-Results headers (RFC 8601) this mailbox believes:
/// mail whose From such a server found failing DMARC may not add to an incident. Null or empty (the default) ignores
/// every such header, since anyone can write one.
/// </param>
/// <param name="AllowAnyReplyTo">
/// Answer at any Reply-To a mail names; off (the default), a Reply-To outside the From's domain is not used and the
/// answer goes to the From.
/// </param>
[GenerateSerializer, Immutable, Alias("Techmail.IncomingSettings")]
public sealed record IncomingSettings(
    [property: Id(0)] MailProtocol Protocol,
    [property: Id(1)] string Host,
    [property: Id(2)] int? Port,
    [property: Id(3)] TlsMode Tls,
    [property: Id(4)] string Account,
    [property: Id(5)] string? Password,
    [property: Id(6)] IReadOnlyList<string> AuthMechanisms,
    [property: Id(7)] ServerTrust? Trust = null,
    [property: Id(8)] string? ProcessedFolder = null,
    [property: Id(9)] bool Push = false,
    [property: Id(10)] bool AllowPlaintextPassword = false,
    [property: Id(11)] OAuthSettings? OAuth = null,
    [property: Id(12)] IReadOnlyList<string>? TrustedAuthServIds = null,
    [property: Id(13)] bool AllowAnyReplyTo = false)
{
    public int EffectivePort => Port ?? (Protocol, Tls) switch
    {
        (MailProtocol.Pop3, TlsMode.SslOnConnect) => 995,
        (MailProtocol.Pop3, _) => 110,
        (MailProtocol.Imap, TlsMode.SslOnConnect) => 993,
        (MailProtocol.Imap, _) => 143,
        _ => throw new ArgumentOutOfRangeException(nameof(Protocol)),
    };

    /// <summary>The server account this mailbox reads: what Service and Marketing mailboxes may never share.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public AccountKey AccountKey => new(Host, Account);
}
