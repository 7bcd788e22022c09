using System.ComponentModel;
using Spectre.Console.Cli;

namespace Techmail.Client.Mailboxes;

/// <summary>The options of <c>mailbox add</c> and <c>mailbox update</c>; update changes only what is given.</summary>
public sealed class MailboxEditSettings : MailboxNameSettings
{
    [CommandOption("--from-json <FILE>"), Description("Start from a settings object in a JSON file (as 'mailbox export' writes one).")]
    public string? FromJson { get; init; }

    [CommandOption("--type <TYPE>"), Description("service or marketing (required to add).")]
    public string? Type { get; init; }

    [CommandOption("--enable"), Description("Enable the mailbox.")]
    public bool Enable { get; init; }

    [CommandOption("--disable"), Description("Disable the mailbox.")]
    public bool Disable { get; init; }

    [CommandOption("--protocol <PROTOCOL>"), Description("Incoming: pop3 (default) or imap.")]
    public string? Protocol { get; init; }

    [CommandOption("--host <HOST>"), Description("Incoming: mail server host.")]
    public string? Host { get; init; }

    [CommandOption("--port <PORT>"), Description("Incoming: server port (default by protocol and TLS mode).")]
    public int? Port { get; init; }

    [CommandOption("--tls <MODE>"), Description("Incoming: auto (TLS on 993/995, else STARTTLS required; never plaintext), none (plaintext), ssl (on connect) or starttls.")]
    public string? Tls { get; init; }

    [CommandOption("--account <USER>"), Description("Incoming: login name.")]
    public string? Account { get; init; }

    [CommandOption("--password <PASSWORD>"), Description("Incoming: password (visible to other local users; prefer --password-stdin).")]
    public string? Password { get; init; }

    [CommandOption("--password-stdin"), Description("Incoming: read the password from the first line of standard input.")]
    public bool PasswordStdin { get; init; }

    [CommandOption("--auth <MECHANISM>"), Description("Incoming: SASL mechanism to prefer, repeatable, in order.")]
    public string[]? Auth { get; init; }

    [CommandOption("--trust-ca <PEMFILE>"), Description("Incoming: also trust server certificates issued by this CA (PEM file; a self-signed root anchors, other certificates in it only help build the chain).")]
    public string? TrustCa { get; init; }

    [CommandOption("--pin-sha256 <HEX>"), Description("Incoming: accept exactly the server certificate with this SHA-256 thumbprint.")]
    public string? PinSha256 { get; init; }

    [CommandOption("--clear-trust"), Description("Incoming: trust the system store only.")]
    public bool ClearTrust { get; init; }

    [CommandOption("--processed-folder <FOLDER>"), Description("Incoming, IMAP: move handled mail here instead of deleting it.")]
    public string? ProcessedFolder { get; init; }

    [CommandOption("--push <BOOL>"), Description("Incoming, IMAP: take new mail within seconds through IMAP IDLE, the poll interval kept as a safety net (true/false).")]
    public bool? Push { get; init; }

    [CommandOption("--allow-plaintext-password"), Description("Incoming: allow logging in on a connection without TLS (any mechanism: a password, a token, or a challenge-response exchange that can be cracked offline).")]
    public bool AllowPlaintextPassword { get; init; }

    [CommandOption("--deny-plaintext-password"), Description("Incoming: refuse to log in without TLS again (the default).")]
    public bool DenyPlaintextPassword { get; init; }

    [CommandOption("--oauth-token-url <URL>"), Description("Incoming: log in with OAuth 2.0 (client credentials) tokens from this endpoint; https, or http on loopback.")]
    public string? OAuthTokenUrl { get; init; }

    [CommandOption("--oauth-client-id <ID>"), Description("Incoming: OAuth client id.")]
    public string? OAuthClientId { get; init; }

    [CommandOption("--oauth-client-secret-stdin"), Description("Incoming: read the OAuth client secret from the next line of standard input.")]
    public bool OAuthClientSecretStdin { get; init; }

    [CommandOption("--oauth-client-secret-file <FILE>"), Description("Incoming: read the OAuth client secret from the first line of a file.")]
    public string? OAuthClientSecretFile { get; init; }

    [CommandOption("--oauth-scope <SCOPE>"), Description("Incoming: scope to ask the token for.")]
    public string? OAuthScope { get; init; }

    [CommandOption("--oauth-mechanism <MECHANISM>"), Description("Incoming: XOAUTH2 (default) or OAUTHBEARER.")]
    public string? OAuthMechanism { get; init; }

    [CommandOption("--no-oauth"), Description("Incoming: log in with the password again.")]
    public bool NoOAuth { get; init; }

    [CommandOption("--provider <PROVIDER>"), Description("microsoft, google or generic: fills in the servers, TLS, XOAUTH2/OAUTHBEARER, the OAuth endpoints and scopes for IMAP/POP3 and SMTP (delegated consent unless --oauth-flow says otherwise); any option given beside it wins.")]
    public string? Provider { get; init; }

    [CommandOption("--provider-tenant <TENANT>"), Description("With --provider microsoft: the Entra tenant (its directory id or a domain) whose endpoints issue the tokens; required for a single-tenant app registration (default: organizations, for multi-tenant apps only).")]
    public string? ProviderTenant { get; init; }

    [CommandOption("--oauth-flow <FLOW>"), Description("Incoming: client-credentials (the app's own access), delegated (a person's consent, 'mailbox connect') or service-account (a JWT signed with --oauth-service-account-key-file).")]
    public string? OAuthFlow { get; init; }

    [CommandOption("--oauth-authorization-url <URL>"), Description("Incoming, delegated: the authorization endpoint of the console's redirect (authorization code with PKCE).")]
    public string? OAuthAuthorizationUrl { get; init; }

    [CommandOption("--oauth-device-url <URL>"), Description("Incoming, delegated: the device authorization endpoint 'mailbox connect' uses (RFC 8628).")]
    public string? OAuthDeviceUrl { get; init; }

    [CommandOption("--oauth-service-account-key-file <FILE>"), Description("Incoming: a service account's JSON key file (Google domain-wide delegation); kept sealed like a password, its client_email becomes the client id.")]
    public string? OAuthServiceAccountKeyFile { get; init; }

    [CommandOption("--trust-authserv-id <ID>"), Description("Incoming: believe the Authentication-Results headers this receiving server (its authserv-id, e.g. mx.example.com) writes: mail failing DMARC there may not add to an incident. Repeatable.")]
    public string[]? TrustAuthServId { get; init; }

    [CommandOption("--clear-trusted-authserv-ids"), Description("Incoming: believe no Authentication-Results header (the default).")]
    public bool ClearTrustedAuthServIds { get; init; }

    [CommandOption("--allow-any-reply-to <BOOL>"), Description("Incoming: answer at any Reply-To a mail names, not only one in its From's domain (default false).")]
    public bool? AllowAnyReplyTo { get; init; }

    [CommandOption("--no-incoming"), Description("Remove the incoming settings.")]
    public bool NoIncoming { get; init; }

    [CommandOption("--envelope-from <ADDRESS>"), Description("Outgoing: envelope from / bounce address.")]
    public string? EnvelopeFrom { get; init; }

    [CommandOption("--friendly-from <ADDRESS>"), Description("Outgoing: friendly from / branded address.")]
    public string? FriendlyFrom { get; init; }

    [CommandOption("--reply-to <ADDRESS>"), Description("Outgoing: Reply-To address.")]
    public string? ReplyTo { get; init; }

    [CommandOption("--display-name <NAME>"), Description("Outgoing: display name.")]
    public string? DisplayName { get; init; }

    [CommandOption("--smtp-host <HOST>"), Description("Outgoing: SMTP relay host.")]
    public string? SmtpHost { get; init; }

    [CommandOption("--smtp-port <PORT>"), Description("Outgoing: SMTP relay port.")]
    public int? SmtpPort { get; init; }

    [CommandOption("--smtp-tls <MODE>"), Description("Outgoing: auto (TLS on 465, else STARTTLS required; never plaintext), none (plaintext), ssl or starttls.")]
    public string? SmtpTls { get; init; }

    [CommandOption("--smtp-user <USER>"), Description("Outgoing: relay login.")]
    public string? SmtpUser { get; init; }

    [CommandOption("--smtp-password <PASSWORD>"), Description("Outgoing: relay password (prefer --smtp-password-stdin).")]
    public string? SmtpPassword { get; init; }

    [CommandOption("--smtp-password-stdin"), Description("Outgoing: read the relay password from the next line of standard input.")]
    public bool SmtpPasswordStdin { get; init; }

    [CommandOption("--smtp-auth <MECHANISM>"), Description("Outgoing: SASL mechanism to prefer, repeatable, in order.")]
    public string[]? SmtpAuth { get; init; }

    [CommandOption("--smtp-allow-plaintext-password"), Description("Outgoing: allow logging in to the relay on a connection without TLS (any mechanism).")]
    public bool SmtpAllowPlaintextPassword { get; init; }

    [CommandOption("--smtp-deny-plaintext-password"), Description("Outgoing: refuse to log in to the relay without TLS again (the default).")]
    public bool SmtpDenyPlaintextPassword { get; init; }

    [CommandOption("--smtp-oauth-token-url <URL>"), Description("Outgoing: log in with OAuth 2.0 (client credentials) tokens from this endpoint; https, or http on loopback.")]
    public string? SmtpOAuthTokenUrl { get; init; }

    [CommandOption("--smtp-oauth-client-id <ID>"), Description("Outgoing: OAuth client id.")]
    public string? SmtpOAuthClientId { get; init; }

    [CommandOption("--smtp-oauth-client-secret-stdin"), Description("Outgoing: read the OAuth client secret from the next line of standard input.")]
    public bool SmtpOAuthClientSecretStdin { get; init; }

    [CommandOption("--smtp-oauth-client-secret-file <FILE>"), Description("Outgoing: read the OAuth client secret from the first line of a file.")]
    public string? SmtpOAuthClientSecretFile { get; init; }

    [CommandOption("--smtp-oauth-scope <SCOPE>"), Description("Outgoing: scope to ask the token for.")]
    public string? SmtpOAuthScope { get; init; }

    [CommandOption("--smtp-oauth-mechanism <MECHANISM>"), Description("Outgoing: XOAUTH2 (default) or OAUTHBEARER.")]
    public string? SmtpOAuthMechanism { get; init; }

    [CommandOption("--smtp-no-oauth"), Description("Outgoing: log in with the password again.")]
    public bool SmtpNoOAuth { get; init; }

    [CommandOption("--smtp-oauth-flow <FLOW>"), Description("Outgoing: client-credentials, delegated or service-account (as --oauth-flow).")]
    public string? SmtpOAuthFlow { get; init; }

    [CommandOption("--smtp-oauth-authorization-url <URL>"), Description("Outgoing, delegated: the authorization endpoint (when the incoming side does not log in by consent).")]
    public string? SmtpOAuthAuthorizationUrl { get; init; }

    [CommandOption("--smtp-oauth-device-url <URL>"), Description("Outgoing, delegated: the device authorization endpoint (when the incoming side does not log in by consent).")]
    public string? SmtpOAuthDeviceUrl { get; init; }

    [CommandOption("--smtp-oauth-service-account-key-file <FILE>"), Description("Outgoing: a service account's JSON key file (as --oauth-service-account-key-file).")]
    public string? SmtpOAuthServiceAccountKeyFile { get; init; }

    [CommandOption("--no-outgoing"), Description("Remove the outgoing settings.")]
    public bool NoOutgoing { get; init; }

    [CommandOption("--discard <FILTER>"), Description("Add a discard filter NAME=FIELD:MATCH:VALUE (FIELD from|domain|subject|body|header:NAME; MATCH contains|equals|regex). Repeatable.")]
    public string[]? Discard { get; init; }

    [CommandOption("--clear-discards"), Description("Remove all discard filters first.")]
    public bool ClearDiscards { get; init; }

    [CommandOption("--max-attachment-size <SIZE>"), Description("Largest attachment, e.g. 10MB; 'none' removes the limit.")]
    public string? MaxAttachmentSize { get; init; }

    [CommandOption("--max-message-size <SIZE>"), Description("Largest message, e.g. 25MB; 'none' removes the limit.")]
    public string? MaxMessageSize { get; init; }

    [CommandOption("--allow-type <TYPE>"), Description("Allowed attachment type (.pdf, image/png, image/*). Repeatable.")]
    public string[]? AllowType { get; init; }

    [CommandOption("--block-type <TYPE>"), Description("Blocked attachment type. Repeatable.")]
    public string[]? BlockType { get; init; }

    [CommandOption("--clear-types"), Description("Remove all allowed and blocked types first.")]
    public bool ClearTypes { get; init; }

    [CommandOption("--reject-forward <ADDRESS>"), Description("Forward rejected mail here. Repeatable.")]
    public string[]? RejectForward { get; init; }

    [CommandOption("--clear-reject-forward"), Description("Remove all reject-forward addresses first.")]
    public bool ClearRejectForward { get; init; }

    [CommandOption("--poll-interval <DURATION>"), Description("How often to poll, e.g. 5m, 90s, 1h (minimum 1m).")]
    public string? PollInterval { get; init; }

    [CommandOption("--retry-window <DAYS>"), Description("Marketing: how many days after a recipient's first send its soft bounces are retried by this mailbox's mailings (more than 0, at most 30; 'default' for 7). A mailing's own --retry-window wins.")]
    public string? RetryWindow { get; init; }

    [CommandOption("--smime-sign <BOOL>"), Description("S/MIME: sign all outgoing mail with the mailbox's certificate (found by its From address).")]
    public bool? SmimeSign { get; init; }

    [CommandOption("--smime-encrypt <MODE>"), Description("S/MIME: off, when-known (encrypt when the recipient's certificate is stored) or required (else do not send).")]
    public string? SmimeEncrypt { get; init; }

    [CommandOption("--smime-require-signature <BOOL>"), Description("S/MIME: quarantine incoming mail whose signature is not valid.")]
    public bool? SmimeRequireSignature { get; init; }

    [CommandOption("--smime-accept-unsigned <BOOL>"), Description("S/MIME: with --smime-require-signature, still take unsigned mail (default true).")]
    public bool? SmimeAcceptUnsigned { get; init; }

    [CommandOption("--no-smime"), Description("S/MIME: remove the mailbox's S/MIME settings.")]
    public bool NoSmime { get; init; }
}
