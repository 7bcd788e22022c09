using System.Net.Sockets;
using MailKit.Net.Imap;
using MailKit.Net.Pop3;
using MailKit.Security;
using Techmail.Polling;

namespace Techmail.Tests.Unit;

/// <summary>What makes a host's limit shrink, read from what MailKit throws; the real servers' wording is tested against Dovecot in HostLimitPollingTests.</summary>
public sealed class ServerPushbacksTests
{
    public static TheoryData<Exception, ServerPushback?> Cases => new()
    {
        { new SocketException((int)SocketError.ConnectionRefused), ServerPushback.Refused },
        { new SocketException((int)SocketError.ConnectionReset), ServerPushback.Reset },
        { new IOException("read failed", new SocketException((int)SocketError.ConnectionReset)), ServerPushback.Reset },
        { new SocketException((int)SocketError.TimedOut), ServerPushback.TimedOut },
        { new TimeoutException(), ServerPushback.TimedOut },
        { new Pop3CommandException("PASS failed", "[IN-USE] Mailbox locked by another session"), ServerPushback.InUse },
        { new Pop3CommandException("PASS failed", "[SYS/TEMP] try again later"), ServerPushback.Busy },
        { new ImapCommandException(ImapCommandResponse.No, "SELECT", "[UNAVAILABLE] backend busy"), ServerPushback.Busy },
        { new AuthenticationException("[ALERT] Too many simultaneous connections. (Failure)"), ServerPushback.InUse },
        { new MailFetchException(MailFetchFailure.Transient, "x: connection lost", new Pop3ProtocolException("The POP3 server has unexpectedly disconnected.")), ServerPushback.Reset },
        { new MailFetchException(MailFetchFailure.Transient, "x: listing took longer than 5 s") { Pushback = ServerPushback.TimedOut }, ServerPushback.TimedOut },
        // Not pushback: fewer sessions would not help.
        { new AuthenticationException("Authentication failed."), null },
        { new Pop3CommandException("RETR failed", "no such message"), null },
        { new SocketException((int)SocketError.HostNotFound), null },
        { new InvalidOperationException("a bug"), null },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Pushback_is_told_from_other_failures(Exception failure, ServerPushback? expected) =>
        Assert.Equal(expected, ServerPushbacks.Of(failure));
}
