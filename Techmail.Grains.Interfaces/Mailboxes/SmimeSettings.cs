namespace Techmail.Mailboxes;

public enum SmimeEncryption
{
    Off,

    /// <summary>Encrypt when the recipient's certificate is stored; send signed-only otherwise.</summary>
    WhenKnown,

    /// <summary>Encrypt always; mail to a recipient without a certificate is not sent.</summary>
    Required,
}

/// <summary>
/// What a mailbox does with S/MIME. Its own certificate is the tenant's mailbox certificate for its From address.
/// Signed mail is verified and encrypted mail decrypted whether or not these are set; they only add demands.
/// </summary>
/// <param name="Sign">Sign every mail the mailbox sends.</param>
/// <param name="RequireValidSignature">Refuse (quarantine) signed mail whose signature is not valid.</param>
/// <param name="AcceptUnsigned">With <paramref name="RequireValidSignature"/>, still take mail that is not signed at all.</param>
[GenerateSerializer, Immutable, Alias("Techmail.SmimeSettings")]
public sealed record SmimeSettings(
    [property: Id(0)] bool Sign,
    [property: Id(1)] SmimeEncryption Encrypt,
    [property: Id(2)] bool RequireValidSignature,
    [property: Id(3)] bool AcceptUnsigned)
{
    public static SmimeSettings Off { get; } = new(false, SmimeEncryption.Off, false, true);
}
