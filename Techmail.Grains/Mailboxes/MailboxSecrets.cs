using Techmail.Security;

namespace Techmail.Mailboxes;

/// <summary>Moves a mailbox's secrets (passwords, OAuth client secrets) between the three forms they take: typed, stored (encrypted) and shown (masked).</summary>
public sealed class MailboxSecrets(ISecretProtector protector)
{
    /// <summary>Encrypts newly typed secrets; masked or missing ones keep what <paramref name="stored"/> holds.</summary>
    /// <exception cref="MailboxException">
    /// A kept secret would now be sent somewhere else (another server, port, account or token URL) or newly in the clear: it must be
    /// typed again. Otherwise an admin who may not read secrets could point the mailbox at a server of their own, press
    /// "poll now", and receive the stored password there.
    /// </exception>
    public MailboxSettings Seal(MailboxSettings typed, MailboxSettings? stored)
    {
        var moved = KeptSecretsMoved(typed, stored);
        if (moved.Count > 0)
        {
            throw MailboxException.Invalid(moved);
        }

        var incoming = typed.Incoming is { } i
            ? i with
            {
                Password = SealOne(i.Password, stored?.Incoming?.Password),
                OAuth = SealOAuth(i.OAuth, stored?.Incoming?.OAuth),
            }
            : null;

        var storedRelay = stored?.Outgoing?.Relay;
        var outgoing = typed.Outgoing is { Relay: { } relay } o
            ? o with
            {
                Relay = relay with
                {
                    Password = SealOne(relay.Password, storedRelay?.Password),
                    OAuth = SealOAuth(relay.OAuth, storedRelay?.OAuth),
                },
            }
            : typed.Outgoing;

        return typed with { Incoming = incoming, Outgoing = outgoing };
    }

    public static MailboxSettings Mask(MailboxSettings sealedSettings) => Map(sealedSettings, static s => s is null ? null : Secret.Mask);

    /// <summary>How the audit log shows a secret an admin replaced: still masked, but visibly not the one before.</summary>
    public const string ChangedMask = Secret.Mask + " (changed)";

    /// <summary>What <see cref="Mask"/> shows, with a secret that is not one of <paramref name="sealedBefore"/>'s as <see cref="ChangedMask"/>.</summary>
    /// <remarks>
    /// A secret kept as it was keeps its sealed text byte for byte (<see cref="Seal"/>), and a newly typed one is sealed
    /// afresh, so comparing sealed texts tells a changed password from a kept one without unsealing either.
    /// </remarks>
    public static MailboxSettings MaskNotingChanges(MailboxSettings sealedSettings, MailboxSettings sealedBefore)
    {
        var kept = new HashSet<string>(StringComparer.Ordinal);
        Map(sealedBefore, s =>
        {
            if (s is not null)
            {
                kept.Add(s);
            }

            return s;
        });
        return Map(sealedSettings, s => s is null ? null : kept.Contains(s) ? Secret.Mask : ChangedMask);
    }

    public MailboxSettings Reveal(MailboxSettings sealedSettings) => Map(sealedSettings, s => s is null ? null : protector.Unprotect(s));

    private static List<ValidationError> KeptSecretsMoved(MailboxSettings typed, MailboxSettings? stored)
    {
        var errors = new List<ValidationError>();
        void Check(string field, string? typedSecret, string? storedSecret, bool sameDestination, string what)
        {
            if (storedSecret is not null && Secret.KeepsStored(typedSecret) && !sameDestination)
            {
                errors.Add(new ValidationError(field, $"type the {what} again: where it is sent changed, and a stored secret only goes where it was entered for."));
            }
        }

        if (typed.Incoming is { } i && stored?.Incoming is { } si)
        {
            var sameServer = i.Protocol == si.Protocol && string.Equals(i.Host, si.Host, StringComparison.OrdinalIgnoreCase)
                && i.EffectivePort == si.EffectivePort && !Weakened(i.Tls, i.AllowPlaintextPassword, si.Tls, si.AllowPlaintextPassword)
                && string.Equals(i.Account, si.Account, StringComparison.Ordinal);
            Check("incoming.password", i.Password, si.Password, sameServer && SameTokenUrl(i.OAuth, si.OAuth), "password");
            Check("incoming.oauth.clientSecret", i.OAuth?.ClientSecret, si.OAuth?.ClientSecret, SameTokenUrl(i.OAuth, si.OAuth), "client secret");
        }

        if (typed.Outgoing?.Relay is { } r && stored?.Outgoing?.Relay is { } sr)
        {
            var sameRelay = string.Equals(r.Host, sr.Host, StringComparison.OrdinalIgnoreCase) && r.EffectivePort == sr.EffectivePort
                && !Weakened(r.Tls, r.AllowPlaintextPassword, sr.Tls, sr.AllowPlaintextPassword) && string.Equals(r.User, sr.User, StringComparison.Ordinal);
            Check("outgoing.relay.password", r.Password, sr.Password, sameRelay && SameTokenUrl(r.OAuth, sr.OAuth), "relay password");
            Check("outgoing.relay.oauth.clientSecret", r.OAuth?.ClientSecret, sr.OAuth?.ClientSecret, SameTokenUrl(r.OAuth, sr.OAuth), "relay client secret");
        }

        return errors;
    }

    /// <summary>Newly in the clear: one TLS mode for another is the same server, but plaintext lets the path read the secret.</summary>
    private static bool Weakened(TlsMode tls, bool plaintext, TlsMode storedTls, bool storedPlaintext) =>
        (tls == TlsMode.None && storedTls != TlsMode.None) || (plaintext && !storedPlaintext);

    private static bool SameTokenUrl(OAuthSettings? typed, OAuthSettings? stored) =>
        string.Equals(typed?.TokenUrl, stored?.TokenUrl, StringComparison.Ordinal);

    private string? SealOne(string? typed, string? storedSealed) =>
        Secret.KeepsStored(typed) ? storedSealed : typed!.Length == 0 ? null : protector.Protect(typed);

    private OAuthSettings? SealOAuth(OAuthSettings? typed, OAuthSettings? stored) =>
        typed is null ? null : typed with { ClientSecret = SealOne(typed.ClientSecret, stored?.ClientSecret) };

    private static MailboxSettings Map(MailboxSettings settings, Func<string?, string?> map) => settings with
    {
        Incoming = settings.Incoming is { } i ? i with { Password = map(i.Password), OAuth = MapOAuth(i.OAuth, map) } : null,
        Outgoing = settings.Outgoing is { Relay: { } relay } o
            ? o with { Relay = relay with { Password = map(relay.Password), OAuth = MapOAuth(relay.OAuth, map) } }
            : settings.Outgoing,
    };

    private static OAuthSettings? MapOAuth(OAuthSettings? oauth, Func<string?, string?> map) =>
        oauth is null ? null : oauth with { ClientSecret = map(oauth.ClientSecret) };
}
