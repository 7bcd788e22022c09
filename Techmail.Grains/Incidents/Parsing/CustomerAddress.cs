namespace Techmail.Incidents.Parsing;

/// <summary>One mailbox from a customer message.</summary>
/// <param name="Address">
/// Trimmed, with the domain lower-cased. The local part stays as written: RFC 5321 lets a server treat it
/// case-sensitively, so replies go to exactly what the customer wrote.
/// </param>
/// <param name="DisplayName">The decoded display name, "" when the message gave none.</param>
/// <param name="LookupKey">The whole address lower-cased, for matching contacts and comparing senders.</param>
public sealed record CustomerAddress(string Address, string DisplayName, string LookupKey);
