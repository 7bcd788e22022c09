using Techmail.Mailboxes;

namespace Techmail.Client.Mailboxes;

/// <summary>One mailbox in an import or export file: a JSON array of these.</summary>
public sealed record MailboxFileEntry(string Name, MailboxSettings Settings);
