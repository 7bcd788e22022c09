namespace Techmail.Polling;

/// <summary>A message as the server lists it, before it is downloaded.</summary>
/// <param name="Index">POP3 message number or IMAP UID, valid for this session only.</param>
/// <param name="Uid">The server's stable id (POP3 UIDL, IMAP UIDVALIDITY:UID).</param>
/// <param name="Size">
/// In bytes. Without <see cref="SizeKnown"/>: 0 as listed, or after a download cut at the limit the bytes read, a lower bound.
/// </param>
public sealed record RemoteMessage(int Index, string Uid, long Size)
{
    /// <summary>
    /// False when the server listed no size (an IMAP server may leave RFC822.SIZE out): the session then downloads at
    /// most the download limit and one byte more, so the limit holds all the same.
    /// </summary>
    public bool SizeKnown { get; init; } = true;
}

/// <summary>A downloaded message.</summary>
/// <param name="Raw">Empty when the message proved larger than the download limit (its size is then known).</param>
public sealed record FetchedMessage(RemoteMessage Remote, byte[] Raw);
