namespace Techmail.Mailboxes;

public enum MailboxErrorKind
{
    Invalid,
    NotFound,
    AlreadyExists,
    AccountConflict,
    CannotSend,
}

/// <summary>A refusal the admin can act on. Crosses the grain boundary with its kind and errors intact.</summary>
[GenerateSerializer, Alias("Techmail.MailboxException")]
public sealed class MailboxException : Exception
{
    public MailboxException(MailboxErrorKind kind, string message, IReadOnlyList<ValidationError>? errors = null)
        : base(message)
    {
        Kind = kind;
        Errors = errors ?? [];
    }

    [Id(0)]
    public MailboxErrorKind Kind { get; private set; }

    [Id(1)]
    public IReadOnlyList<ValidationError> Errors { get; private set; }

    public static MailboxException Invalid(IReadOnlyList<ValidationError> errors) =>
        new(MailboxErrorKind.Invalid, string.Join("; ", errors), errors);
}
