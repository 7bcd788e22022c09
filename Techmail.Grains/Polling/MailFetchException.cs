namespace Techmail.Polling;

public enum MailFetchFailure
{
    /// <summary>Worth retrying: refused or reset connection, timeout, server busy.</summary>
    Transient,
    /// <summary>Wrong account or password: retrying soon only locks the account.</summary>
    Authentication,
    /// <summary>The server's certificate is not trusted; an admin must act.</summary>
    Certificate,
    /// <summary>The server said something we cannot work with.</summary>
    Protocol,
}

/// <summary>A failure talking to a mail server, with a reason fit for the mailbox status.</summary>
/// <param name="smtpReply">The SMTP reply code when an SMTP server answered with a refusal (4xx or 5xx).</param>
public sealed class MailFetchException(MailFetchFailure failure, string message, Exception? inner = null, int? smtpReply = null) : Exception(message, inner)
{
    public MailFetchFailure Failure { get; } = failure;

    public int? SmtpReply { get; } = smtpReply;

    /// <summary>The server refused for good (5xx): sending the same again can only be refused again.</summary>
    public bool IsPermanentSmtpRefusal => SmtpReply is >= 500 and < 600;

    /// <summary>
    /// The server could not be reached at all (refused, timed out or dropped before its greeting): nothing about the
    /// account had been said yet, so the failure is the server's, not the mailbox's. Only these count towards the
    /// server-wide breaker.
    /// </summary>
    public bool BeforeLogin { get; init; }

    /// <summary>The server pushed back (a step it did not answer in time); other pushback is read from the inner exception.</summary>
    public ServerPushback? Pushback { get; init; }
}
