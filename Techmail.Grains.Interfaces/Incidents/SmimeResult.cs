namespace Techmail.Incidents;

public enum SignatureStatus
{
    NotSigned,
    Valid,
    Invalid,
    UntrustedChain,
    Expired,
    Revoked,
}

/// <summary>What S/MIME said about a customer mail, kept on its thread entry.</summary>
/// <param name="Decrypted">The mail arrived encrypted and was read decrypted with the mailbox's key.</param>
/// <param name="Signer">The signer's address, from the signing certificate.</param>
/// <param name="Thumbprint">The signing certificate's SHA-1 thumbprint.</param>
/// <param name="Reason">Why a signature is not valid, in words.</param>
[GenerateSerializer, Immutable, Alias("Techmail.SmimeResult")]
public sealed record SmimeResult(
    [property: Id(0)] bool Decrypted,
    [property: Id(1)] SignatureStatus Signature,
    [property: Id(2)] string? Signer,
    [property: Id(3)] string? Thumbprint,
    [property: Id(4)] string? Reason)
{
    /// <summary>One line for the thread: "signature valid (ann@...)", "decrypted; signature revoked: ...".</summary>
    public string Describe()
    {
        var signature = Signature switch
        {
            SignatureStatus.NotSigned => "not signed",
            SignatureStatus.Valid => "signature valid",
            SignatureStatus.Invalid => "signature invalid",
            SignatureStatus.UntrustedChain => "signature untrusted chain",
            SignatureStatus.Expired => "signature expired",
            SignatureStatus.Revoked => "signature revoked",
            _ => Signature.ToString(),
        };
        var who = Signer is null ? "" : $" by {Signer}";
        var why = Reason is null ? "" : $": {Reason}";
        return (Decrypted ? "decrypted; " : "") + signature + who + why;
    }
}
