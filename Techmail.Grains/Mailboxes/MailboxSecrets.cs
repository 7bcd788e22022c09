using Techmail.Security;

namespace Techmail.Mailboxes;

/// <summary>Moves a mailbox's secrets (passwords, OAuth client secrets) between the three forms they take: typed, stored (encrypted) and shown (masked).</summary>
public sealed class MailboxSecrets(ISecretProtector protector)
{
    /// <summary>Encrypts newly typed secrets; masked or missing ones keep what <paramref name="stored"/> holds.</summary>
    public MailboxSettings Seal(MailboxSettings typed, MailboxSettings? stored)
    {
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
