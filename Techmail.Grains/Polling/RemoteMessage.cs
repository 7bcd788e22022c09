namespace Techmail.Polling;

/// <summary>A message as the server lists it, before it is downloaded.</summary>
/// <param name="Index">POP3 message number or IMAP UID, valid for this session only.</param>
/// <param name="Uid">The server's stable id (POP3 UIDL, IMAP UIDVALIDITY:UID).</param>
public sealed record RemoteMessage(int Index, string Uid, long Size);

/// <summary>A downloaded message.</summary>
public sealed record FetchedMessage(RemoteMessage Remote, byte[] Raw);
