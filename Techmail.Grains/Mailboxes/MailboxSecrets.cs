using Techmail.Security;

namespace Techmail.Mailboxes;

/// <summary>Moves a mailbox's passwords between the three forms they take: typed, stored (encrypted) and shown (masked).</summary>
public sealed class MailboxSecrets(ISecretProtector protector)
{
    /// <summary>Encrypts newly typed secrets; masked or missing ones keep what <paramref name="stored"/> holds.</summary>
    public MailboxSettings Seal(MailboxSettings typed, MailboxSettings? stored)
    {
        var incoming = typed.Incoming is { } i
            ? i with { Password = SealOne(i.Password, stored?.Incoming?.Password) }
            : null;

        var outgoing = typed.Outgoing is { Relay: { } relay } o
            ? o with { Relay = relay with { Password = SealOne(relay.Password, stored?.Outgoing?.Relay?.Password) } }
            : typed.Outgoing;

        return typed with { Incoming = incoming, Outgoing = outgoing };
    }

    public static MailboxSettings Mask(MailboxSettings sealedSettings) => Map(sealedSettings, static s => s is null ? null : Secret.Mask);

    public MailboxSettings Reveal(MailboxSettings sealedSettings) => Map(sealedSettings, s => s is null ? null : protector.Unprotect(s));

    private string? SealOne(string? typed, string? storedSealed) =>
        Secret.KeepsStored(typed) ? storedSealed : typed!.Length == 0 ? null : protector.Protect(typed);

    private static MailboxSettings Map(MailboxSettings settings, Func<string?, string?> map) => settings with
    {
        Incoming = settings.Incoming is { } i ? i with { Password = map(i.Password) } : null,
        Outgoing = settings.Outgoing is { Relay: { } relay } o ? o with { Relay = relay with { Password = map(relay.Password) } } : settings.Outgoing,
    };
}
