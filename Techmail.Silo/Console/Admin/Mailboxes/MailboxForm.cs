using System.Globalization;
using System.Text.RegularExpressions;
using Techmail.Mailboxes;
using F = Techmail.Silo.WebConsole.Admin.Mailboxes.MailboxFields;

namespace Techmail.Silo.WebConsole.Admin.Mailboxes;

/// <summary>
/// The mailbox form of the console: every setting as the text a browser posts, keyed by the engine's field names
/// (<see cref="MailboxFields"/>). It turns stored settings into fields (secrets never), posted fields into settings
/// (an empty secret keeps the stored one), and refusals (its own for text that is not a number, the engine's for the
/// rest) into messages next to the fields. Whether settings are valid is the engine's to say, not the form's: the form
/// only reads what was typed, so a port of 70000 reaches the engine and comes back with the engine's words.
/// </summary>
public sealed partial class MailboxForm
{
    /// <summary>Empty filter rows the form offers beyond the stored filters, for adding new ones.</summary>
    public const int BlankFilterRows = 2;

    private const int MaxFilterRows = 100;

    private static readonly OAuthFieldNames IncomingOAuth = new(F.OAuthTokenUrl, F.OAuthClientId, F.OAuthClientSecret, F.OAuthScope,
        F.OAuthMechanism, F.OAuthFlow, F.OAuthAuthorizationUrl, F.OAuthDeviceAuthorizationUrl);

    private static readonly OAuthFieldNames RelayOAuth = new(F.RelayOAuthTokenUrl, F.RelayOAuthClientId, F.RelayOAuthClientSecret,
        F.RelayOAuthScope, F.RelayOAuthMechanism, F.RelayOAuthFlow, F.RelayOAuthAuthorizationUrl, F.RelayOAuthDeviceAuthorizationUrl);
    private const double BytesPerMegabyte = 1024 * 1024;

    private readonly Dictionary<string, string> _values;
    private readonly List<FormError> _errors = [];

    // Which form row each built filter came from: blank rows are skipped, and the engine counts only the others.
    private readonly List<int> _filterRows = [];

    private MailboxForm(Dictionary<string, string> values, bool storedSecrets)
    {
        _values = values;
        HasStoredSecrets = storedSecrets;
    }

    /// <summary>Whether the mailbox being edited has stored secrets, so the page says that an empty field keeps them.</summary>
    public bool HasStoredSecrets { get; }

    public IReadOnlyList<FormError> Errors => _errors;

    /// <summary>How many filter rows the page shows: every posted or stored one, and blanks to add more.</summary>
    public int FilterRows { get; private set; }

    public string this[string field] => _values.TryGetValue(field, out var value) ? value : "";

    public bool Checked(string field) => this[field] == "true";

    /// <summary>
    /// Whether any of these fields has an error or a value of its own (a checkbox ticked, text typed): the page then
    /// opens the folded part that holds them, so nothing set or wrong is hidden.
    /// </summary>
    public bool AnySet(params string[] fields) => fields.Any(f => ErrorsFor(f).Any() || this[f].Trim().Length > 0);

    /// <summary>The messages for one field, in the engine's order.</summary>
    public IEnumerable<string> ErrorsFor(string field) => _errors.Where(e => e.Field == field).Select(e => e.Message);

    /// <summary>Messages about no field the form shows (the account rule, a relay missing as a whole).</summary>
    public IEnumerable<FormError> GeneralErrors => _errors.Where(e => e.Field is null);

    /// <summary>A new mailbox: nothing filled in but the engine's defaults.</summary>
    public static MailboxForm Blank(MailboxType type) => From(MailboxSettings.Empty(type) with
    {
        Incoming = new IncomingSettings(MailProtocol.Imap, "", null, TlsMode.Auto, "", null, []),
    }, name: "", hasIncoming: true);

    /// <summary>The stored settings, secrets left out.</summary>
    public static MailboxForm From(MailboxSettings settings, string name, bool? hasIncoming = null)
    {
        var v = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [F.Name] = name,
            [F.Type] = settings.Type.ToString(),
            [F.PollInterval] = Number(settings.PollInterval.TotalMinutes),
            [F.SoftBounceRetryWindow] = settings.SoftBounceRetryWindow is { } window ? Number(window.TotalDays) : "",
        };
        var incoming = settings.Incoming;
        Flag(v, F.HasIncoming, hasIncoming ?? incoming is not null);
        var i = incoming ?? new IncomingSettings(MailProtocol.Imap, "", null, TlsMode.Auto, "", null, []);
        v[F.Protocol] = i.Protocol.ToString();
        v[F.Host] = i.Host;
        v[F.Port] = i.Port?.ToString(CultureInfo.InvariantCulture) ?? "";
        v[F.Tls] = i.Tls.ToString();
        v[F.Account] = i.Account;
        v[F.AuthMechanisms] = Lines(i.AuthMechanisms);
        v[F.ProcessedFolder] = i.ProcessedFolder ?? "";
        Flag(v, F.Push, i.Push);
        Flag(v, F.AllowPlaintext, i.AllowPlaintextPassword);
        v[F.TrustedAuthServIds] = Lines(i.TrustedAuthServIds);
        Flag(v, F.AllowAnyReplyTo, i.AllowAnyReplyTo);
        v[F.TrustCa] = i.Trust?.CaCertificatePem ?? "";
        v[F.TrustPin] = i.Trust?.PinnedSha256 ?? "";
        OAuthFields(v, i.OAuth, IncomingOAuth);

        var outgoing = settings.Outgoing;
        Flag(v, F.HasOutgoing, outgoing is not null);
        v[F.EnvelopeFrom] = outgoing?.EnvelopeFrom ?? "";
        v[F.FriendlyFrom] = outgoing?.FriendlyFrom ?? "";
        v[F.ReplyTo] = outgoing?.ReplyTo ?? "";
        v[F.DisplayName] = outgoing?.DisplayName ?? "";
        var r = outgoing?.Relay;
        v[F.RelayHost] = r?.Host ?? "";
        v[F.RelayPort] = r?.Port?.ToString(CultureInfo.InvariantCulture) ?? "";
        v[F.RelayTls] = (r?.Tls ?? TlsMode.Auto).ToString();
        v[F.RelayUser] = r?.User ?? "";
        v[F.RelayAuthMechanisms] = Lines(r?.AuthMechanisms);
        Flag(v, F.RelayAllowPlaintext, r?.AllowPlaintextPassword ?? false);
        v[F.RelayTrustCa] = r?.Trust?.CaCertificatePem ?? "";
        v[F.RelayTrustPin] = r?.Trust?.PinnedSha256 ?? "";
        OAuthFields(v, r?.OAuth, RelayOAuth);

        var a = settings.Attachments;
        v[F.MaxAttachment] = a.MaxAttachmentBytes is { } each ? Number(each / BytesPerMegabyte) : "";
        v[F.MaxMessage] = a.MaxMessageBytes is { } whole ? Number(whole / BytesPerMegabyte) : "";
        v[F.AllowedTypes] = Lines(a.AllowedTypes);
        v[F.BlockedTypes] = Lines(a.BlockedTypes);
        v[F.RejectForward] = Lines(settings.RejectForwardAddresses);

        var m = settings.Smime ?? SmimeSettings.Off;
        Flag(v, F.SmimeSign, m.Sign);
        v[F.SmimeEncrypt] = m.Encrypt.ToString();
        Flag(v, F.SmimeRequireSignature, m.RequireValidSignature);
        Flag(v, F.SmimeAcceptUnsigned, m.AcceptUnsigned);

        for (var row = 0; row < settings.DiscardFilters.Count; row++)
        {
            var filter = settings.DiscardFilters[row];
            v[F.Filter(row, F.FilterName)] = filter.Name;
            v[F.Filter(row, F.FilterField)] = filter.Field.ToString();
            v[F.Filter(row, F.FilterMatch)] = filter.Match.ToString();
            v[F.Filter(row, F.FilterValue)] = filter.Value;
            v[F.Filter(row, F.FilterHeader)] = filter.HeaderName ?? "";
        }

        var secrets = incoming?.Password is not null || incoming?.OAuth?.ClientSecret is not null
            || r?.Password is not null || r?.OAuth?.ClientSecret is not null;
        return new MailboxForm(v, secrets) { FilterRows = settings.DiscardFilters.Count + BlankFilterRows };
    }

    /// <summary>What a browser posted: the known fields only, so nothing else a request carries is read as a setting.</summary>
    public static MailboxForm Posted(IEnumerable<KeyValuePair<string, string?>> form, bool hasStoredSecrets)
    {
        var v = new Dictionary<string, string>(StringComparer.Ordinal);
        var lastFilterRow = -1;
        foreach (var (key, value) in form)
        {
            var known = F.All.Contains(key);
            if (!known && FilterKey().Match(key) is { Success: true } filter
                && int.TryParse(filter.Groups[1].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var row) && row < MaxFilterRows)
            {
                known = true;
                // Rows left blank do not count: the form shows the filled ones and the usual blanks after them.
                if (filter.Groups[2].Value is F.FilterName or F.FilterValue or F.FilterHeader && !string.IsNullOrWhiteSpace(value))
                {
                    lastFilterRow = Math.Max(lastFilterRow, row);
                }
            }

            if (known)
            {
                v[key] = value ?? "";
            }
        }

        return new MailboxForm(v, hasStoredSecrets) { FilterRows = lastFilterRow + 1 + BlankFilterRows };
    }

    /// <summary>
    /// The settings the form describes, or null with <see cref="Errors"/> saying which fields could not be read.
    /// </summary>
    /// <param name="stored">The mailbox's settings when it is edited: what it keeps that the form does not hold (enabled).</param>
    public MailboxSettings? ToSettings(MailboxSettings? stored)
    {
        _errors.Clear();
        _filterRows.Clear();
        var type = Choice<MailboxType>(F.Type);
        var interval = Decimal(F.PollInterval);
        var retryWindow = Decimal(F.SoftBounceRetryWindow);
        if (retryWindow is { } typed && Math.Abs((double)typed) >= TimeSpan.MaxValue.TotalDays)
        {
            // Past what a duration can hold at all; anything smaller reaches the engine, which names its own bounds.
            Fail(F.SoftBounceRetryWindow, $"'{typed}' days is far too long.");
        }

        var incoming = Checked(F.HasIncoming) ? Incoming() : null;
        var outgoing = Checked(F.HasOutgoing) ? Outgoing() : null;
        var maxAttachment = Decimal(F.MaxAttachment);
        var maxMessage = Decimal(F.MaxMessage);
        var filters = Filters();
        var encrypt = Choice<SmimeEncryption>(F.SmimeEncrypt);
        if (_errors.Count > 0)
        {
            return null;
        }

        var smime = new SmimeSettings(Checked(F.SmimeSign), encrypt, Checked(F.SmimeRequireSignature), Checked(F.SmimeAcceptUnsigned));
        return new MailboxSettings(
            type,
            stored?.Enabled ?? false,
            incoming,
            outgoing,
            filters,
            new AttachmentPolicy(Bytes(maxAttachment), Bytes(maxMessage), List(F.AllowedTypes), List(F.BlockedTypes)),
            List(F.RejectForward),
            // An interval too short or long is the engine's to refuse; the form only converts what was typed.
            interval is { } minutes ? TimeSpan.FromMinutes((double)minutes) : MailboxSettings.DefaultPollInterval,
            // Off in every respect is the same as no S/MIME settings, which is how the engine stores "off".
            smime == SmimeSettings.Off ? null : smime,
            // Empty is the default window; one out of bounds (or on a Service mailbox) is the engine's to refuse.
            retryWindow is { } days ? TimeSpan.FromDays((double)days) : null);
    }

    /// <summary>
    /// Puts the engine's refusal next to the fields it names: an entry of a list to its list, a filter to the row it was
    /// typed in, and anything the form does not show above the form.
    /// </summary>
    public void AddEngineErrors(IEnumerable<ValidationError> errors)
    {
        foreach (var error in errors)
        {
            _errors.Add(new FormError(FieldOf(error.Field), error.Message, error.Field));
        }
    }

    /// <summary>A refusal that names no field (an account another mailbox type reads, a mailbox that exists).</summary>
    public void AddGeneralError(string message) => _errors.Add(new FormError(null, message, null));

    /// <summary>The form field an engine field name belongs to, or null when the form shows none for it.</summary>
    public string? FieldOf(string engineField)
    {
        if (FilterError().Match(engineField) is { Success: true } filter)
        {
            var index = int.Parse(filter.Groups[1].ValueSpan, CultureInfo.InvariantCulture);
            var row = index < _filterRows.Count ? _filterRows[index] : index;
            return F.Filter(row, filter.Groups[2].Value);
        }

        var field = ListIndex().Replace(engineField, "");
        if (F.All.Contains(field))
        {
            return field;
        }

        // "An SMTP relay (host) is required": the relay as a whole is missing, and its host is what to fill in.
        return field == "outgoing.relay" ? F.RelayHost : null;
    }

    private IncomingSettings Incoming()
    {
        var port = Integer(F.Port);
        var protocol = Choice<MailProtocol>(F.Protocol);
        var tls = Choice<TlsMode>(F.Tls);
        return new IncomingSettings(
            protocol,
            this[F.Host].Trim(),
            port,
            tls,
            this[F.Account].Trim(),
            SecretOf(F.Password),
            List(F.AuthMechanisms).Select(m => m.ToUpperInvariant()).ToList(),
            Trust(F.TrustCa, F.TrustPin),
            Optional(F.ProcessedFolder),
            Checked(F.Push),
            Checked(F.AllowPlaintext),
            OAuth(IncomingOAuth),
            List(F.TrustedAuthServIds),
            Checked(F.AllowAnyReplyTo));
    }

    private OutgoingSettings Outgoing()
    {
        var port = Integer(F.RelayPort);
        var tls = Choice<TlsMode>(F.RelayTls);
        var relay = this[F.RelayHost].Trim().Length == 0
            ? null
            : new SmtpRelaySettings(
                this[F.RelayHost].Trim(),
                port,
                tls,
                Optional(F.RelayUser),
                SecretOf(F.RelayPassword),
                Trust(F.RelayTrustCa, F.RelayTrustPin),
                List(F.RelayAuthMechanisms).Select(m => m.ToUpperInvariant()).ToList(),
                Checked(F.RelayAllowPlaintext),
                OAuth(RelayOAuth));
        return new OutgoingSettings(this[F.EnvelopeFrom].Trim(), Optional(F.FriendlyFrom), Optional(F.ReplyTo), Optional(F.DisplayName), relay);
    }

    private List<DiscardFilter> Filters()
    {
        var filters = new List<DiscardFilter>();
        for (var row = 0; row < FilterRows; row++)
        {
            string Part(string part) => this[F.Filter(row, part)];
            if (string.IsNullOrWhiteSpace(Part(F.FilterName)) && string.IsNullOrEmpty(Part(F.FilterValue)) && string.IsNullOrWhiteSpace(Part(F.FilterHeader)))
            {
                continue;
            }

            var field = Choice<FilterField>(F.Filter(row, F.FilterField));
            var match = Choice<FilterMatch>(F.Filter(row, F.FilterMatch));
            var header = Part(F.FilterHeader).Trim();
            _filterRows.Add(row);
            filters.Add(new DiscardFilter(Part(F.FilterName).Trim(), field, match, Part(F.FilterValue), header.Length == 0 ? null : header));
        }

        return filters;
    }

    private OAuthSettings? OAuth(OAuthFieldNames f)
    {
        // OAuth is on while a token URL or client id is filled in; clearing both turns it off.
        if (this[f.TokenUrl].Trim().Length == 0 && this[f.ClientId].Trim().Length == 0)
        {
            return null;
        }

        // A form posted without the flow (an older page) keeps client credentials, the flow every earlier form meant.
        var flow = this[f.Flow].Length == 0 ? OAuthFlow.ClientCredentials : Choice<OAuthFlow>(f.Flow);
        return new OAuthSettings(this[f.TokenUrl].Trim(), this[f.ClientId].Trim(), SecretOf(f.ClientSecret), Optional(f.Scope),
            this[f.Mechanism].Trim() is { Length: > 0 } m ? m.ToUpperInvariant() : OAuthSettings.XOAuth2,
            flow, Optional(f.AuthorizationUrl), Optional(f.DeviceAuthorizationUrl));
    }

    private ServerTrust? Trust(string ca, string pin) =>
        Optional(ca) is null && Optional(pin) is null ? null : new ServerTrust(Optional(ca), Optional(pin));

    // Empty: the stored secret stays (the engine reads null so); a secret is taken exactly as typed.
    private string? SecretOf(string field) => this[field].Length == 0 ? null : this[field];

    private string? Optional(string field) => this[field].Trim() is { Length: > 0 } value ? value : null;

    private List<string> List(string field) =>
        this[field].Split(['\n', '\r', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();

    private int? Integer(string field)
    {
        var text = this[field].Trim();
        if (text.Length == 0)
        {
            return null;
        }

        if (int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }

        Fail(field, $"'{text}' is not a whole number.");
        return null;
    }

    private decimal? Decimal(string field)
    {
        var text = this[field].Trim();
        if (text.Length == 0)
        {
            return null;
        }

        if (decimal.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value)
            && Math.Abs(value) < 1_000_000_000)
        {
            return value;
        }

        Fail(field, $"'{text}' is not a number.");
        return null;
    }

    private T Choice<T>(string field)
        where T : struct, Enum
    {
        if (Enum.TryParse<T>(this[field], ignoreCase: true, out var value) && Enum.IsDefined(value) && !int.TryParse(this[field], out _))
        {
            return value;
        }

        Fail(field, $"choose one of {string.Join(", ", Enum.GetNames<T>())}.");
        return default;
    }

    private void Fail(string field, string message) => _errors.Add(new FormError(field, message, field));

    private static long? Bytes(decimal? megabytes) => megabytes is { } mb ? (long)Math.Round(mb * (decimal)BytesPerMegabyte) : null;

    private static void OAuthFields(Dictionary<string, string> v, OAuthSettings? oauth, OAuthFieldNames f)
    {
        v[f.TokenUrl] = oauth?.TokenUrl ?? "";
        v[f.ClientId] = oauth?.ClientId ?? "";
        v[f.Scope] = oauth?.Scope ?? "";
        v[f.Mechanism] = oauth?.Mechanism ?? OAuthSettings.XOAuth2;
        v[f.Flow] = (oauth?.Flow ?? OAuthFlow.ClientCredentials).ToString();
        v[f.AuthorizationUrl] = oauth?.AuthorizationUrl ?? "";
        v[f.DeviceAuthorizationUrl] = oauth?.DeviceAuthorizationUrl ?? "";
    }

    private static void Flag(Dictionary<string, string> v, string field, bool on) => v[field] = on ? "true" : "";

    private static string Lines(IEnumerable<string>? items) => string.Join("\n", items ?? []);

    private static string Number(double value) => Math.Round(value, 4).ToString("0.####", CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^discardFilters\[(\d{1,3})\]\.(name|field|match|value|headerName)$", RegexOptions.CultureInvariant)]
    private static partial Regex FilterKey();

    [GeneratedRegex(@"^discardFilters\[(\d+)\]\.(\w+)$", RegexOptions.CultureInvariant)]
    private static partial Regex FilterError();

    [GeneratedRegex(@"\[\d+\]$", RegexOptions.CultureInvariant)]
    private static partial Regex ListIndex();
}

/// <summary>The form's names for one OAuth block (the incoming server's or the relay's).</summary>
internal sealed record OAuthFieldNames(
    string TokenUrl, string ClientId, string ClientSecret, string Scope, string Mechanism, string Flow, string AuthorizationUrl,
    string DeviceAuthorizationUrl);

/// <summary>A message for the form: next to <see cref="Field"/>, or above the form when it names none the form shows.</summary>
/// <param name="EngineField">The field as the engine or the form named it, for the summary's wording.</param>
public sealed record FormError(string? Field, string Message, string? EngineField);
