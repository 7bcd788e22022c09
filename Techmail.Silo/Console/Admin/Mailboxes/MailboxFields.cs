namespace Techmail.Silo.WebConsole.Admin.Mailboxes;

/// <summary>
/// The names of the mailbox form's fields. They are the engine's own names for the settings (what
/// <see cref="Techmail.Mailboxes.ValidationError.Field"/> says), so an error the engine finds lands next to the field
/// it is about without a translation table. Lists are one field each (one entry a line); a discard filter is one row
/// of fields named <c>discardFilters[ROW].name</c> and so on.
/// </summary>
public static class MailboxFields
{
    public const string Name = "name", Type = "type", PollInterval = "pollInterval", SoftBounceRetryWindow = "softBounceRetryWindow";

    public const string HasIncoming = "incoming", Protocol = "incoming.protocol", Host = "incoming.host", Port = "incoming.port",
        Tls = "incoming.tls", Account = "incoming.account", Password = "incoming.password", AuthMechanisms = "incoming.authMechanisms",
        ProcessedFolder = "incoming.processedFolder", Push = "incoming.push", AllowPlaintext = "incoming.allowPlaintextPassword",
        TrustedAuthServIds = "incoming.trustedAuthServIds", AllowAnyReplyTo = "incoming.allowAnyReplyTo",
        TrustCa = "incoming.trust.caCertificatePem", TrustPin = "incoming.trust.pinnedSha256",
        OAuthTokenUrl = "incoming.oauth.tokenUrl", OAuthClientId = "incoming.oauth.clientId",
        OAuthClientSecret = "incoming.oauth.clientSecret", OAuthScope = "incoming.oauth.scope", OAuthMechanism = "incoming.oauth.mechanism",
        OAuthFlow = "incoming.oauth.flow", OAuthAuthorizationUrl = "incoming.oauth.authorizationUrl",
        OAuthDeviceAuthorizationUrl = "incoming.oauth.deviceAuthorizationUrl";

    public const string HasOutgoing = "outgoing", EnvelopeFrom = "outgoing.envelopeFrom", FriendlyFrom = "outgoing.friendlyFrom",
        ReplyTo = "outgoing.replyTo", DisplayName = "outgoing.displayName", RelayHost = "outgoing.relay.host",
        RelayPort = "outgoing.relay.port", RelayTls = "outgoing.relay.tls", RelayUser = "outgoing.relay.user",
        RelayPassword = "outgoing.relay.password", RelayAuthMechanisms = "outgoing.relay.authMechanisms",
        RelayAllowPlaintext = "outgoing.relay.allowPlaintextPassword", RelayTrustCa = "outgoing.relay.trust.caCertificatePem",
        RelayTrustPin = "outgoing.relay.trust.pinnedSha256", RelayOAuthTokenUrl = "outgoing.relay.oauth.tokenUrl",
        RelayOAuthClientId = "outgoing.relay.oauth.clientId", RelayOAuthClientSecret = "outgoing.relay.oauth.clientSecret",
        RelayOAuthScope = "outgoing.relay.oauth.scope", RelayOAuthMechanism = "outgoing.relay.oauth.mechanism",
        RelayOAuthFlow = "outgoing.relay.oauth.flow", RelayOAuthAuthorizationUrl = "outgoing.relay.oauth.authorizationUrl",
        RelayOAuthDeviceAuthorizationUrl = "outgoing.relay.oauth.deviceAuthorizationUrl";

    public const string MaxAttachment = "attachments.maxAttachmentBytes", MaxMessage = "attachments.maxMessageBytes",
        AllowedTypes = "attachments.allowedTypes", BlockedTypes = "attachments.blockedTypes", RejectForward = "rejectForward";

    public const string SmimeSign = "smime.sign", SmimeEncrypt = "smime.encrypt", SmimeRequireSignature = "smime.requireValidSignature",
        SmimeAcceptUnsigned = "smime.acceptUnsigned";

    /// <summary>The fields of one discard filter row; the engine names them with the filter's index in the same way.</summary>
    public const string FilterName = "name", FilterField = "field", FilterMatch = "match", FilterValue = "value", FilterHeader = "headerName";

    /// <summary>Secrets: never written back into a page; left empty, the stored value stays.</summary>
    public static readonly IReadOnlySet<string> Secrets = new HashSet<string>(StringComparer.Ordinal)
    {
        Password, OAuthClientSecret, RelayPassword, RelayOAuthClientSecret,
    };

    /// <summary>Fields holding a list, one entry a line; the engine names an entry with its index (<c>rejectForward[2]</c>).</summary>
    public static readonly IReadOnlySet<string> Lists = new HashSet<string>(StringComparer.Ordinal)
    {
        AuthMechanisms, TrustedAuthServIds, RelayAuthMechanisms, AllowedTypes, BlockedTypes, RejectForward,
    };

    /// <summary>Every field the form shows besides the filter rows.</summary>
    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal)
    {
        Name, Type, PollInterval, SoftBounceRetryWindow,
        HasIncoming, Protocol, Host, Port, Tls, Account, Password, AuthMechanisms, ProcessedFolder, Push, AllowPlaintext,
        TrustedAuthServIds, AllowAnyReplyTo, TrustCa, TrustPin, OAuthTokenUrl, OAuthClientId, OAuthClientSecret, OAuthScope, OAuthMechanism,
        OAuthFlow, OAuthAuthorizationUrl, OAuthDeviceAuthorizationUrl,
        HasOutgoing, EnvelopeFrom, FriendlyFrom, ReplyTo, DisplayName, RelayHost, RelayPort, RelayTls, RelayUser, RelayPassword,
        RelayAuthMechanisms, RelayAllowPlaintext, RelayTrustCa, RelayTrustPin, RelayOAuthTokenUrl, RelayOAuthClientId,
        RelayOAuthClientSecret, RelayOAuthScope, RelayOAuthMechanism,
        RelayOAuthFlow, RelayOAuthAuthorizationUrl, RelayOAuthDeviceAuthorizationUrl,
        MaxAttachment, MaxMessage, AllowedTypes, BlockedTypes, RejectForward,
        SmimeSign, SmimeEncrypt, SmimeRequireSignature, SmimeAcceptUnsigned,
    };

    public static string Filter(int row, string part) => $"discardFilters[{row}].{part}";
}
