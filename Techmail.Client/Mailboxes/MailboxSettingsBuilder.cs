using System.Globalization;
using System.Text.Json;
using Techmail.Client.Infrastructure;
using Techmail.Connections;
using Techmail.Mailboxes;

namespace Techmail.Client.Mailboxes;

/// <summary>Turns command-line options into mailbox settings. Catches malformed options; the grain checks the rest.</summary>
public static class MailboxSettingsBuilder
{
    public static MailboxSettings Apply(MailboxSettings current, MailboxEditSettings o, Func<string>? readSecret = null)
    {
        readSecret ??= () => Console.In.ReadLine() ?? throw new CommandFailure("expected a password on standard input.");
        if ((o.PasswordStdin && o.Password is not null) || (o.SmtpPasswordStdin && o.SmtpPassword is not null))
        {
            throw new CommandFailure("give a password either on the command line or with the -stdin option, not both.");
        }

        if (o.Enable && o.Disable)
        {
            throw new CommandFailure("--enable and --disable cannot be used together.");
        }

        var s = current;
        if (o.Type is not null)
        {
            s = s with { Type = ParseEnum<MailboxType>("--type", o.Type) };
        }

        if (o.Enable || o.Disable)
        {
            s = s with { Enabled = o.Enable };
        }

        var preset = Preset(o);
        // A delegated grant serves both sides, so its scopes name SMTP as well when the mailbox sends.
        var sends = s.Outgoing?.Relay is not null || o.SmtpHost is not null || o.EnvelopeFrom is not null;
        var incoming = ApplyIncoming(s.Incoming, o, readSecret, preset, sends);
        s = s with { Incoming = incoming, Outgoing = ApplyOutgoing(s.Outgoing, o, readSecret, preset, incoming) };

        var filters = o.ClearDiscards ? [] : s.DiscardFilters.ToList();
        filters.AddRange((o.Discard ?? []).Select(ParseFilter));

        var attachments = s.Attachments;
        if (o.MaxAttachmentSize is not null)
        {
            attachments = attachments with { MaxAttachmentBytes = ParseSize("--max-attachment-size", o.MaxAttachmentSize) };
        }

        if (o.MaxMessageSize is not null)
        {
            attachments = attachments with { MaxMessageBytes = ParseSize("--max-message-size", o.MaxMessageSize) };
        }

        if (o.ClearTypes)
        {
            attachments = attachments with { AllowedTypes = [], BlockedTypes = [] };
        }

        attachments = attachments with
        {
            AllowedTypes = [.. attachments.AllowedTypes, .. o.AllowType ?? []],
            BlockedTypes = [.. attachments.BlockedTypes, .. o.BlockType ?? []],
        };

        var forwards = o.ClearRejectForward ? [] : s.RejectForwardAddresses.ToList();
        forwards.AddRange(o.RejectForward ?? []);

        return s with
        {
            DiscardFilters = filters,
            Attachments = attachments,
            RejectForwardAddresses = forwards,
            PollInterval = o.PollInterval is null ? s.PollInterval : ParseDuration("--poll-interval", o.PollInterval),
            Smime = ApplySmime(s.Smime, o),
            SoftBounceRetryWindow = o.RetryWindow is null ? s.SoftBounceRetryWindow : ParseRetryWindow(o.RetryWindow),
        };
    }

    /// <summary>A number of days, or "default" for the engine's 7; whether it is in bounds is the engine's to say.</summary>
    public static TimeSpan? ParseRetryWindow(string text) =>
        text.Trim().Equals("default", StringComparison.OrdinalIgnoreCase) ? null
        : double.TryParse(text, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var days) && double.IsFinite(days)
            && Math.Abs(days) <= TimeSpan.MaxValue.TotalDays
            ? TimeSpan.FromDays(days)
            : throw new CommandFailure($"--retry-window '{text}': expected a number of days such as 7 or 1.5, or 'default'.");

    private static SmimeSettings? ApplySmime(SmimeSettings? current, MailboxEditSettings o)
    {
        var touched = o.SmimeSign ?? o.SmimeRequireSignature ?? o.SmimeAcceptUnsigned ?? (object?)o.SmimeEncrypt;
        if (o.NoSmime)
        {
            return touched is null ? null : throw new CommandFailure("--no-smime cannot be combined with other --smime options.");
        }

        if (touched is null)
        {
            return current;
        }

        var s = current ?? SmimeSettings.Off;
        return new SmimeSettings(
            o.SmimeSign ?? s.Sign,
            o.SmimeEncrypt is null ? s.Encrypt : ParseEnum<SmimeEncryption>("--smime-encrypt", o.SmimeEncrypt.Replace("-", "", StringComparison.Ordinal)),
            o.SmimeRequireSignature ?? s.RequireValidSignature,
            o.SmimeAcceptUnsigned ?? s.AcceptUnsigned);
    }

    public static MailboxSettings FromJsonFile(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<MailboxSettings>(File.ReadAllText(path), Output.Json)
                ?? throw new CommandFailure($"{path}: is empty.");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CommandFailure($"{path}: {e.Message}");
        }
        catch (JsonException e)
        {
            throw new CommandFailure($"{path}: not a mailbox settings object ({e.Message})");
        }
    }

    private static ProviderPreset? Preset(MailboxEditSettings o)
    {
        if (o.Provider is null)
        {
            return o.ProviderTenant is null ? null : throw new CommandFailure("--provider-tenant goes with --provider microsoft.");
        }

        try
        {
            var provider = ProviderPresets.Parse(o.Provider);
            return o.ProviderTenant is not null && provider != MailProvider.Microsoft
                ? throw new CommandFailure("--provider-tenant goes with --provider microsoft.")
                : ProviderPresets.For(provider, o.ProviderTenant);
        }
        catch (FormatException e)
        {
            throw new CommandFailure(e.Message);
        }
    }

    private static IncomingSettings? ApplyIncoming(IncomingSettings? current, MailboxEditSettings o, Func<string> readSecret, ProviderPreset? preset, bool sends)
    {
        var oauth = new OAuthOptions(o.OAuthTokenUrl, o.OAuthClientId, o.OAuthClientSecretStdin, o.OAuthClientSecretFile, o.OAuthScope, o.OAuthMechanism, o.NoOAuth, "--",
            o.OAuthFlow, o.OAuthAuthorizationUrl, o.OAuthDeviceUrl, o.OAuthServiceAccountKeyFile);
        var touched = o.Provider ?? o.Protocol ?? o.Host ?? o.Tls ?? o.Account ?? o.Password ?? (object?)o.Port ?? o.Auth ?? o.TrustCa ?? o.PinSha256 ?? o.ProcessedFolder ?? o.Push
            ?? o.TrustAuthServId ?? o.AllowAnyReplyTo ?? (o.ClearTrustedAuthServIds ? (object)true : null)
            ?? (o.PasswordStdin || o.ClearTrust || o.AllowPlaintextPassword || o.DenyPlaintextPassword || oauth.Touched ? (object)true : null);
        if (o.NoIncoming)
        {
            return touched is null ? null : throw new CommandFailure("--no-incoming cannot be combined with incoming options.");
        }

        if (touched is null)
        {
            return current;
        }

        // The providers' mailboxes are read over IMAP unless --protocol says POP3.
        var i = current ?? new IncomingSettings(preset is null ? MailProtocol.Pop3 : MailProtocol.Imap, "", null, TlsMode.Auto, "", null, []);
        var protocol = o.Protocol is null ? i.Protocol : ParseEnum<MailProtocol>("--protocol", o.Protocol);
        if (preset?.Server(protocol) is { } server)
        {
            i = i with { Host = server.Host, Port = server.Port, Tls = server.Tls };
        }

        var presetOAuth = preset?.OAuth(oauth.ParsedFlow ?? OAuthFlow.Delegated, protocol, sends, "", null);
        var password = o.PasswordStdin ? readSecret() : o.Password ?? i.Password;
        return i with
        {
            Protocol = protocol,
            Host = o.Host ?? i.Host,
            Port = o.Port ?? i.Port,
            Tls = o.Tls is null ? i.Tls : ParseTls("--tls", o.Tls),
            Account = o.Account ?? i.Account,
            Password = password,
            AuthMechanisms = o.Auth is null ? i.AuthMechanisms : o.Auth.Select(a => a.ToUpperInvariant()).ToList(),
            Trust = Trust(o.ClearTrust ? null : i.Trust, o),
            ProcessedFolder = o.ProcessedFolder ?? i.ProcessedFolder,
            Push = o.Push ?? i.Push,
            AllowPlaintextPassword = PlaintextChoice(i.AllowPlaintextPassword, o.AllowPlaintextPassword, o.DenyPlaintextPassword, "--"),
            OAuth = oauth.Apply(i.OAuth, readSecret, presetOAuth),
            TrustedAuthServIds = [.. o.ClearTrustedAuthServIds ? [] : i.TrustedAuthServIds ?? [], .. o.TrustAuthServId ?? []],
            AllowAnyReplyTo = o.AllowAnyReplyTo ?? i.AllowAnyReplyTo,
        };
    }

    private static OutgoingSettings? ApplyOutgoing(OutgoingSettings? current, MailboxEditSettings o, Func<string> readSecret, ProviderPreset? preset, IncomingSettings? incoming)
    {
        var oauth = new OAuthOptions(o.SmtpOAuthTokenUrl, o.SmtpOAuthClientId, o.SmtpOAuthClientSecretStdin, o.SmtpOAuthClientSecretFile, o.SmtpOAuthScope, o.SmtpOAuthMechanism, o.SmtpNoOAuth, "--smtp-",
            o.SmtpOAuthFlow, o.SmtpOAuthAuthorizationUrl, o.SmtpOAuthDeviceUrl, o.SmtpOAuthServiceAccountKeyFile);
        var touchedRelay = o.SmtpHost ?? o.SmtpTls ?? o.SmtpUser ?? o.SmtpPassword ?? (object?)o.SmtpPort ?? o.SmtpAuth
            ?? (o.SmtpPasswordStdin || o.SmtpAllowPlaintextPassword || o.SmtpDenyPlaintextPassword || oauth.Touched ? (object)true : null);
        var touched = o.EnvelopeFrom ?? o.FriendlyFrom ?? o.ReplyTo ?? o.DisplayName ?? touchedRelay;
        if (o.NoOutgoing)
        {
            return touched is null ? null : throw new CommandFailure("--no-outgoing cannot be combined with outgoing options.");
        }

        // --provider fills in the relay of a mailbox that sends (it had outgoing settings, or is given some now).
        var presetRelay = preset is not null && (touched is not null || current is not null);
        if (touched is null && !presetRelay)
        {
            return current;
        }

        var g = current ?? new OutgoingSettings("", null, null, null, null);
        var relay = g.Relay;
        if (touchedRelay is not null || presetRelay)
        {
            var r = relay ?? new SmtpRelaySettings("", null, TlsMode.Auto, null, null);
            if (preset?.Smtp is { } smtp)
            {
                r = r with { Host = smtp.Host, Port = smtp.Port, Tls = smtp.Tls, User = r.User ?? incoming?.Account };
            }

            relay = r with
            {
                Host = o.SmtpHost ?? r.Host,
                Port = o.SmtpPort ?? r.Port,
                Tls = o.SmtpTls is null ? r.Tls : ParseTls("--smtp-tls", o.SmtpTls),
                User = o.SmtpUser ?? r.User,
                Password = o.SmtpPasswordStdin ? readSecret() : o.SmtpPassword ?? r.Password,
                AuthMechanisms = o.SmtpAuth is null ? r.AuthMechanisms : o.SmtpAuth.Select(a => a.ToUpperInvariant()).ToList(),
                AllowPlaintextPassword = PlaintextChoice(r.AllowPlaintextPassword, o.SmtpAllowPlaintextPassword, o.SmtpDenyPlaintextPassword, "--smtp-"),
            };
            // The relay logs in with the incoming side's app and grant unless it is told otherwise.
            relay = relay with
            {
                OAuth = preset is not null && !oauth.Touched && incoming?.OAuth is { } shared
                    ? shared
                    : oauth.Apply(relay.OAuth, readSecret, preset?.OAuth(oauth.ParsedFlow ?? OAuthFlow.Delegated, incoming?.Protocol, true, "", null)),
            };
        }

        return g with
        {
            EnvelopeFrom = o.EnvelopeFrom ?? g.EnvelopeFrom,
            FriendlyFrom = o.FriendlyFrom ?? g.FriendlyFrom,
            ReplyTo = o.ReplyTo ?? g.ReplyTo,
            DisplayName = o.DisplayName ?? g.DisplayName,
            Relay = relay,
        };
    }

    private static bool PlaintextChoice(bool current, bool allow, bool deny, string prefix) => (allow, deny) switch
    {
        (true, true) => throw new CommandFailure($"{prefix}allow-plaintext-password and {prefix}deny-plaintext-password cannot be used together."),
        (true, false) => true,
        (false, true) => false,
        _ => current,
    };

    private static ServerTrust? Trust(ServerTrust? current, MailboxEditSettings o)
    {
        if (o.TrustCa is null && o.PinSha256 is null)
        {
            return current;
        }

        string? pem = current?.CaCertificatePem;
        if (o.TrustCa is not null)
        {
            try
            {
                pem = File.ReadAllText(o.TrustCa);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new CommandFailure($"--trust-ca {o.TrustCa}: {e.Message}");
            }
        }

        return new ServerTrust(pem, o.PinSha256 ?? current?.PinnedSha256);
    }

    /// <summary>NAME=FIELD:MATCH:VALUE, where FIELD may be header:HEADER-NAME and VALUE may contain colons.</summary>
    public static DiscardFilter ParseFilter(string text)
    {
        var usage = $"--discard '{text}': expected NAME=FIELD:MATCH:VALUE, e.g. spam=subject:contains:[SPAM] or flag=header:X-Spam-Flag:equals:YES.";
        var equals = text.IndexOf('=');
        if (equals <= 0)
        {
            throw new CommandFailure(usage);
        }

        var name = text[..equals];
        var parts = text[(equals + 1)..].Split(':', 2);
        if (parts.Length < 2)
        {
            throw new CommandFailure(usage);
        }

        string? headerName = null;
        var field = parts[0].ToLowerInvariant() switch
        {
            "from" or "fromaddress" => FilterField.FromAddress,
            "domain" or "senderdomain" => FilterField.SenderDomain,
            "subject" => FilterField.Subject,
            "body" => FilterField.Body,
            "header" => FilterField.Header,
            _ => throw new CommandFailure($"--discard '{text}': unknown field '{parts[0]}'; use from, domain, subject, body or header:NAME."),
        };
        var rest = parts[1];
        if (field == FilterField.Header)
        {
            var headerParts = rest.Split(':', 2);
            if (headerParts.Length < 2)
            {
                throw new CommandFailure(usage);
            }

            headerName = headerParts[0];
            rest = headerParts[1];
        }

        var matchParts = rest.Split(':', 2);
        if (matchParts.Length < 2)
        {
            throw new CommandFailure(usage);
        }

        var match = ParseEnum<FilterMatch>($"--discard '{text}' match", matchParts[0]);
        return new DiscardFilter(name, field, match, matchParts[1], headerName);
    }

    public static long? ParseSize(string option, string text)
    {
        var t = text.Trim().ToUpperInvariant();
        if (t == "NONE")
        {
            return null;
        }

        (string suffix, long factor)[] units = [("GB", 1L << 30), ("MB", 1L << 20), ("KB", 1L << 10), ("G", 1L << 30), ("M", 1L << 20), ("K", 1L << 10), ("B", 1)];
        foreach (var (suffix, factor) in units)
        {
            if (t.EndsWith(suffix, StringComparison.Ordinal) && decimal.TryParse(t[..^suffix.Length], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var n) && n > 0)
            {
                return (long)(n * factor);
            }
        }

        return long.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var bytes) && bytes > 0
            ? bytes
            : throw new CommandFailure($"{option} '{text}': expected a size such as 512KB, 10MB or 1048576, or 'none'.");
    }

    public static TimeSpan ParseDuration(string option, string text)
    {
        var t = text.Trim().ToLowerInvariant();
        (string suffix, double seconds)[] units = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400)];
        foreach (var (suffix, seconds) in units)
        {
            if (t.EndsWith(suffix, StringComparison.Ordinal) && double.TryParse(t[..^suffix.Length], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var n) && n > 0)
            {
                return TimeSpan.FromSeconds(n * seconds);
            }
        }

        return TimeSpan.TryParse(t, CultureInfo.InvariantCulture, out var span) && span > TimeSpan.Zero
            ? span
            : throw new CommandFailure($"{option} '{text}': expected a duration such as 90s, 5m, 1h or 00:05:00.");
    }

    private static TlsMode ParseTls(string option, string text) => text.ToLowerInvariant() switch
    {
        "ssl" or "tls" or "sslonconnect" => TlsMode.SslOnConnect,
        "starttls" => TlsMode.StartTls,
        "none" or "off" => TlsMode.None,
        "auto" => TlsMode.Auto,
        _ => throw new CommandFailure($"{option} '{text}': use auto, none, ssl or starttls."),
    };

    private static T ParseEnum<T>(string option, string text)
        where T : struct, Enum =>
        Enum.TryParse<T>(text, ignoreCase: true, out var value) && Enum.IsDefined(value) && !int.TryParse(text, out _)
            ? value
            : throw new CommandFailure($"{option} '{text}': use {string.Join(", ", Enum.GetNames<T>().Select(n => n.ToLowerInvariant()))}.");
}
