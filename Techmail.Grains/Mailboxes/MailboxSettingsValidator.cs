using System.Text.RegularExpressions;

namespace Techmail.Mailboxes;

/// <summary>
/// Checks one mailbox's settings on their own. The cross-mailbox account rule needs the tenant's
/// directory and lives in the tenant grain.
/// </summary>
public static class MailboxSettingsValidator
{
    /// <summary>How long a discard-filter regex may run against one message before it is abandoned.</summary>
    public static readonly TimeSpan RegexTimeout = TimeSpan.FromMilliseconds(250);

    public static readonly TimeSpan MaximumPollInterval = TimeSpan.FromDays(1);

    private static readonly HashSet<string> KnownMechanisms = new(StringComparer.OrdinalIgnoreCase)
    {
        "PLAIN", "LOGIN", "CRAM-MD5", "DIGEST-MD5", "NTLM", "SCRAM-SHA-1", "SCRAM-SHA-256", "SCRAM-SHA-512",
        "XOAUTH2", "OAUTHBEARER", "APOP", "USER",
    };

    private static readonly Regex MimeTypePattern = new("^[a-z0-9][a-z0-9!#$&^_.+-]*/([a-z0-9][a-z0-9!#$&^_.+-]*|\\*)$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
    private static readonly Regex ExtensionPattern = new("^\\.[a-z0-9][a-z0-9_-]{0,15}$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

    /// <param name="stored">The mailbox's current settings, when updating: lets masked secrets stand.</param>
    public static IReadOnlyList<ValidationError> Validate(MailboxSettings settings, MailboxSettings? stored = null)
    {
        var errors = new List<ValidationError>();
        void Fail(string field, string message) => errors.Add(new ValidationError(field, message));

        if (!Enum.IsDefined(settings.Type))
        {
            Fail("type", $"'{settings.Type}' is not a mailbox type; use Service or Marketing.");
        }

        if (settings.PollInterval < MailboxSettings.MinimumPollInterval)
        {
            Fail("pollInterval", $"must be at least {MailboxSettings.MinimumPollInterval.TotalMinutes:0} minute; got {settings.PollInterval}.");
        }
        else if (settings.PollInterval > MaximumPollInterval)
        {
            Fail("pollInterval", $"must be at most {MaximumPollInterval.TotalHours:0} hours; got {settings.PollInterval}.");
        }

        if (settings.Enabled && settings.Direction == MailboxDirection.None)
        {
            Fail("enabled", "an enabled mailbox needs incoming or outgoing settings (or both).");
        }

        if (settings.Incoming is { } incoming)
        {
            ValidateIncoming(incoming, stored?.Incoming, Fail);
        }

        if (settings.Outgoing is { } outgoing)
        {
            ValidateOutgoing(outgoing, stored?.Outgoing, Fail);
        }

        ValidateFilters(settings.DiscardFilters ?? [], Fail);
        ValidateAttachments(settings.Attachments, Fail);

        var forwards = settings.RejectForwardAddresses ?? [];
        for (var i = 0; i < forwards.Count; i++)
        {
            if (!EmailAddress.IsValid(forwards[i]))
            {
                Fail($"rejectForward[{i}]", $"'{forwards[i]}' is not an email address.");
            }
        }

        if (forwards.Count > 0 && settings.Outgoing is null)
        {
            Fail("rejectForward", "forwarding rejected mail needs outgoing settings to send it with.");
        }

        // S/MIME: the mailbox's certificate is found by its From address when mail is sent, so only that must exist here.
        if (settings.Smime is { } smime && (smime.Sign || smime.Encrypt != SmimeEncryption.Off) && settings.Outgoing is null)
        {
            Fail("smime", "signing or encrypting needs outgoing settings (the From address picks the mailbox's certificate).");
        }

        if (settings.SoftBounceRetryWindow is { } window)
        {
            if (settings.Type != MailboxType.Marketing)
            {
                Fail("softBounceRetryWindow", "is for Marketing mailboxes, whose mailings retry soft-bounced recipients; a Service mailbox sends no mailings.");
            }
            else if (!MailboxSettings.IsSoftBounceRetryWindow(window))
            {
                Fail("softBounceRetryWindow", $"must be more than zero and at most {MailboxSettings.MaximumSoftBounceRetryWindow.TotalDays:0} days; got {window}.");
            }
        }

        return errors;
    }

    private static void ValidateIncoming(IncomingSettings incoming, IncomingSettings? stored, Action<string, string> fail)
    {
        if (!Enum.IsDefined(incoming.Protocol))
        {
            fail("incoming.protocol", $"'{incoming.Protocol}' is not supported; use Pop3 or Imap.");
        }

        if (!Enum.IsDefined(incoming.Tls))
        {
            fail("incoming.tls", $"'{incoming.Tls}' is not a TLS mode; use Auto, None, SslOnConnect or StartTls.");
        }

        if (string.IsNullOrWhiteSpace(incoming.Host))
        {
            fail("incoming.host", "is required.");
        }
        else if (!EmailAddress.IsHostName(incoming.Host))
        {
            fail("incoming.host", $"'{incoming.Host}' is not a host name or IP address.");
        }

        ValidatePort("incoming.port", incoming.Port, fail);

        if (string.IsNullOrWhiteSpace(incoming.Account))
        {
            fail("incoming.account", "is required.");
        }

        var hasStoredPassword = stored is not null && !string.IsNullOrEmpty(stored.Password);
        if (incoming.OAuth is { } oauth)
        {
            ValidateOAuth("incoming.oauth", oauth, stored?.OAuth, fail);
        }
        else if (Secret.KeepsStored(incoming.Password) ? !hasStoredPassword : incoming.Password!.Length == 0)
        {
            fail("incoming.password", "is required.");
        }

        ValidateTrust("incoming.trust", incoming.Trust, fail);
        if (incoming.ProcessedFolder is { } folder && (incoming.Protocol != MailProtocol.Imap || folder.Trim().Length == 0 || folder.Length > 200))
        {
            fail("incoming.processedFolder", "is for IMAP mailboxes only, and must be a folder name of at most 200 characters.");
        }

        if (incoming.Push && incoming.Protocol != MailProtocol.Imap)
        {
            fail("incoming.push", "needs IMAP (IDLE); POP3 mailboxes are polled at their interval.");
        }

        ValidateAuthServIds(incoming.TrustedAuthServIds ?? [], fail);
        foreach (var mechanism in incoming.AuthMechanisms ?? [])
        {
            if (!KnownMechanisms.Contains(mechanism))
            {
                fail("incoming.authMechanisms", $"'{mechanism}' is not a known mechanism ({string.Join(", ", KnownMechanisms.Order())}).");
            }
            else if (mechanism.ToUpperInvariant() is "APOP" or "USER" && incoming.Protocol != MailProtocol.Pop3)
            {
                fail("incoming.authMechanisms", $"{mechanism.ToUpperInvariant()} exists only for POP3.");
            }
        }
    }

    /// <summary>
    /// An authserv-id is compared with what a server writes in its Authentication-Results headers (RFC 8601), in
    /// practice its host name: a non-empty token of printable ASCII without the characters that would end it there.
    /// </summary>
    private static void ValidateAuthServIds(IReadOnlyList<string> ids, Action<string, string> fail)
    {
        const int MaxIds = 20;
        if (ids.Count > MaxIds)
        {
            fail("incoming.trustedAuthServIds", $"at most {MaxIds} authserv-ids; got {ids.Count}.");
        }

        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < ids.Count; i++)
        {
            var id = ids[i];
            if (string.IsNullOrEmpty(id) || id.Length > 255 || !id.All(c => c > ' ' && c < 127 && "()<>@,;:\\\"/[]?=".IndexOf(c) < 0))
            {
                fail($"incoming.trustedAuthServIds[{i}]", $"'{id}' is not an authserv-id (a host name such as mx.example.com: printable ASCII, no spaces or ()<>@,;:\\\"/[]?=, at most 255 characters).");
            }
            else if (!seen.Add(id))
            {
                fail($"incoming.trustedAuthServIds[{i}]", $"'{id}' is listed twice.");
            }
        }
    }

    private static void ValidateSmtpMechanisms(IReadOnlyList<string> mechanisms, Action<string, string> fail)
    {
        foreach (var mechanism in mechanisms)
        {
            if (!KnownMechanisms.Contains(mechanism) || mechanism.ToUpperInvariant() is "APOP" or "USER")
            {
                fail("outgoing.relay.authMechanisms", $"'{mechanism}' is not an SMTP AUTH mechanism.");
            }
        }
    }

    /// <summary>
    /// The client secret crosses to the token endpoint in every request, so the endpoint must be https; plain http is
    /// allowed to a loopback address only, where the secret never leaves the machine.
    /// </summary>
    private static void ValidateOAuth(string field, OAuthSettings oauth, OAuthSettings? stored, Action<string, string> fail)
    {
        if (!Uri.TryCreate(oauth.TokenUrl, UriKind.Absolute, out var url) || url.Scheme is not ("https" or "http"))
        {
            fail($"{field}.tokenUrl", $"'{oauth.TokenUrl}' is not an http(s) URL.");
        }
        else if (url.Scheme == "http" && !url.IsLoopback)
        {
            fail($"{field}.tokenUrl", "must be https (plain http only to a loopback address): the client secret is sent to it.");
        }

        if (string.IsNullOrWhiteSpace(oauth.ClientId))
        {
            fail($"{field}.clientId", "is required.");
        }

        var hasSecret = Secret.KeepsStored(oauth.ClientSecret) ? stored is { ClientSecret.Length: > 0 } : oauth.ClientSecret!.Length > 0;
        if (!Enum.IsDefined(oauth.Flow))
        {
            fail($"{field}.flow", $"'{oauth.Flow}' is not a flow; use ClientCredentials, Delegated or ServiceAccount.");
        }
        else if (oauth.Flow == OAuthFlow.Delegated)
        {
            // A public client (the device flow's usual kind) has no secret: the person's consent is the proof.
            if (oauth.AuthorizationUrl is null && oauth.DeviceAuthorizationUrl is null)
            {
                fail($"{field}.deviceAuthorizationUrl", "or authorizationUrl is required: a delegated mailbox is connected through one of them.");
            }

            EndpointUrl($"{field}.authorizationUrl", oauth.AuthorizationUrl, fail);
            EndpointUrl($"{field}.deviceAuthorizationUrl", oauth.DeviceAuthorizationUrl, fail);
        }
        else if (!hasSecret)
        {
            fail($"{field}.clientSecret", oauth.Flow == OAuthFlow.ServiceAccount ? "is required: the service account's JSON key file." : "is required.");
        }
        else if (oauth.Flow == OAuthFlow.ServiceAccount && !Secret.KeepsStored(oauth.ClientSecret))
        {
            try
            {
                Connections.ServiceAccountKey.Parse(oauth.ClientSecret!);
            }
            catch (FormatException e)
            {
                fail($"{field}.clientSecret", e.Message);
            }
        }

        if (oauth.Mechanism is not (OAuthSettings.XOAuth2 or OAuthSettings.OAuthBearer))
        {
            fail($"{field}.mechanism", $"'{oauth.Mechanism}' is not an OAuth mechanism; use XOAUTH2 or OAUTHBEARER.");
        }
    }

    /// <summary>An endpoint codes or secrets go to: https, or plain http only to a loopback address.</summary>
    private static void EndpointUrl(string field, string? value, Action<string, string> fail)
    {
        if (value is null)
        {
            return;
        }

        if (!Uri.TryCreate(value, UriKind.Absolute, out var url) || url.Scheme is not ("https" or "http"))
        {
            fail(field, $"'{value}' is not an http(s) URL.");
        }
        else if (url.Scheme == "http" && !url.IsLoopback)
        {
            fail(field, "must be https (plain http only to a loopback address).");
        }
    }

    private static void ValidateOutgoing(OutgoingSettings outgoing, OutgoingSettings? stored, Action<string, string> fail)
    {
        if (string.IsNullOrWhiteSpace(outgoing.EnvelopeFrom))
        {
            fail("outgoing.envelopeFrom", "is required.");
        }
        else
        {
            ValidateHeaderAddress("outgoing.envelopeFrom", outgoing.EnvelopeFrom, fail);
        }

        ValidateHeaderAddress("outgoing.friendlyFrom", outgoing.FriendlyFrom, fail);
        ValidateHeaderAddress("outgoing.replyTo", outgoing.ReplyTo, fail);

        if (!Outgoing.HeaderValue.IsOneLine(outgoing.DisplayName))
        {
            fail("outgoing.displayName", Outgoing.HeaderValue.OneLineMessage);
        }
        else if (outgoing.DisplayName is { Length: > 200 })
        {
            fail("outgoing.displayName", "must be at most 200 characters.");
        }

        if (outgoing.Relay is not { } relay)
        {
            fail("outgoing.relay", "an SMTP relay (host) is required to send.");
            return;
        }

        if (!Enum.IsDefined(relay.Tls))
        {
            fail("outgoing.relay.tls", $"'{relay.Tls}' is not a TLS mode; use Auto, None, SslOnConnect or StartTls.");
        }

        if (string.IsNullOrWhiteSpace(relay.Host))
        {
            fail("outgoing.relay.host", "is required.");
        }
        else if (!EmailAddress.IsHostName(relay.Host))
        {
            fail("outgoing.relay.host", $"'{relay.Host}' is not a host name or IP address.");
        }

        ValidatePort("outgoing.relay.port", relay.Port, fail);

        ValidateSmtpMechanisms(relay.AuthMechanisms ?? [], fail);
        var hasUser = !string.IsNullOrWhiteSpace(relay.User);
        if (relay.OAuth is { } oauth)
        {
            ValidateOAuth("outgoing.relay.oauth", oauth, stored?.Relay?.OAuth, fail);
            if (!hasUser)
            {
                fail("outgoing.relay.user", "is required with OAuth: it names the mailbox the token is for.");
            }

            return;
        }

        var hasStoredPassword = stored?.Relay is { Password.Length: > 0 };
        var hasPassword = Secret.KeepsStored(relay.Password) ? hasStoredPassword : relay.Password!.Length > 0;
        if (hasUser && !hasPassword)
        {
            fail("outgoing.relay.password", "is required when a relay user is set.");
        }
        else if (!hasUser && !Secret.KeepsStored(relay.Password) && relay.Password!.Length > 0)
        {
            fail("outgoing.relay.user", "is required when a relay password is set.");
        }
    }

    /// <summary>An address that ends up in a header (or MAIL FROM): one line first, so the reason is the real one.</summary>
    private static void ValidateHeaderAddress(string field, string? address, Action<string, string> fail)
    {
        if (address is not { Length: > 0 })
        {
            return;
        }

        if (!Outgoing.HeaderValue.IsOneLine(address))
        {
            fail(field, Outgoing.HeaderValue.OneLineMessage);
        }
        else if (!EmailAddress.IsValid(address))
        {
            fail(field, $"'{address}' is not an email address.");
        }
    }

    private static void ValidateTrust(string field, ServerTrust? trust, Action<string, string> fail)
    {
        if (trust is null)
        {
            return;
        }

        if (trust.PinnedSha256 is { } pin && !System.Text.RegularExpressions.Regex.IsMatch(pin.Replace(":", "", StringComparison.Ordinal), "^[0-9A-Fa-f]{64}$"))
        {
            fail($"{field}.pinnedSha256", "must be the 64 hex digits of a SHA-256 thumbprint.");
        }

        if (trust.CaCertificatePem is { } pem)
        {
            try
            {
                using var ca = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(pem);
            }
            catch (System.Security.Cryptography.CryptographicException e)
            {
                fail($"{field}.caCertificatePem", $"is not a PEM certificate: {e.Message}");
            }
        }
    }

    private static void ValidateFilters(IReadOnlyList<DiscardFilter> filters, Action<string, string> fail)
    {
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < filters.Count; i++)
        {
            var filter = filters[i];
            var field = $"discardFilters[{i}]";
            if (string.IsNullOrWhiteSpace(filter.Name))
            {
                fail($"{field}.name", "is required.");
            }
            else if (!names.Add(filter.Name))
            {
                fail($"{field}.name", $"'{filter.Name}' is used by another filter.");
            }

            if (!Enum.IsDefined(filter.Field))
            {
                fail($"{field}.field", $"'{filter.Field}' is not a field; use FromAddress, SenderDomain, Subject, Body or Header.");
            }

            if (!Enum.IsDefined(filter.Match))
            {
                fail($"{field}.match", $"'{filter.Match}' is not a match; use Contains, Equals or Regex.");
            }

            if (filter.Field == FilterField.Header)
            {
                if (string.IsNullOrWhiteSpace(filter.HeaderName) || !IsHeaderName(filter.HeaderName))
                {
                    fail($"{field}.headerName", "a header filter needs a header name (printable ASCII, no colon).");
                }
            }
            else if (filter.HeaderName is not null)
            {
                fail($"{field}.headerName", "is only for the Header field.");
            }

            if (string.IsNullOrEmpty(filter.Value))
            {
                fail($"{field}.value", "is required.");
            }
            else if (filter.Match == FilterMatch.Regex && RegexError(filter.Value) is { } problem)
            {
                fail($"{field}.value", $"the regular expression does not compile: {problem}");
            }
        }
    }

    private static void ValidateAttachments(AttachmentPolicy? policy, Action<string, string> fail)
    {
        if (policy is null)
        {
            fail("attachments", "is required (use no limits rather than null).");
            return;
        }

        if (policy.MaxAttachmentBytes is <= 0)
        {
            fail("attachments.maxAttachmentBytes", "must be positive.");
        }

        if (policy.MaxMessageBytes is <= 0)
        {
            fail("attachments.maxMessageBytes", "must be positive.");
        }

        if (policy is { MaxAttachmentBytes: { } each, MaxMessageBytes: { } whole } && each > whole)
        {
            fail("attachments.maxAttachmentBytes", "cannot exceed the message limit.");
        }

        foreach (var (list, name) in new[] { (policy.AllowedTypes, "allowedTypes"), (policy.BlockedTypes, "blockedTypes") })
        {
            foreach (var type in list ?? [])
            {
                if (!IsFileType(type))
                {
                    fail($"attachments.{name}", $"'{type}' is neither an extension like .pdf nor a MIME type like image/png or image/*.");
                }
            }
        }

        var both = (policy.AllowedTypes ?? []).Intersect(policy.BlockedTypes ?? [], StringComparer.OrdinalIgnoreCase).ToList();
        if (both.Count > 0)
        {
            fail("attachments", $"{string.Join(", ", both)} cannot be both allowed and blocked.");
        }
    }

    public static bool IsFileType(string? type) =>
        !string.IsNullOrWhiteSpace(type) && (ExtensionPattern.IsMatch(type) || MimeTypePattern.IsMatch(type));

    private static void ValidatePort(string field, int? port, Action<string, string> fail)
    {
        if (port is < 1 or > 65535)
        {
            fail(field, $"{port} is not a port (1-65535).");
        }
    }

    private static bool IsHeaderName(string name) => name.All(c => c > 32 && c < 127 && c != ':');

    private static string? RegexError(string pattern)
    {
        try
        {
            _ = new Regex(pattern, RegexOptions.CultureInvariant, RegexTimeout);
            return null;
        }
        catch (ArgumentException e)
        {
            return e.Message;
        }
    }
}
