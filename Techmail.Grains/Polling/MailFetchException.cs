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
public sealed class MailFetchException(MailFetchFailure failure, string message, Exception? inner = null) : Exception(message, inner)
{
    public MailFetchFailure Failure { get; } = failure;
}
