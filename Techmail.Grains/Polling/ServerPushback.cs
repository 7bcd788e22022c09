using System.Net.Sockets;
using MailKit.Net.Imap;
using MailKit.Net.Pop3;

namespace Techmail.Polling;

/// <summary>
/// A mail server saying, in one of its ways, that it has more sessions than it wants: what makes the adaptive limit
/// of its host shrink (see <see cref="AdaptiveSessionLimit"/>). A wrong password, a bad certificate or a message the
/// server garbles is not pushback: fewer sessions would not help.
/// </summary>
public enum ServerPushback
{
    /// <summary>The connection was refused, or closed before the greeting.</summary>
    Refused,

    /// <summary>The server did not answer in time (connecting, or a step of the session).</summary>
    TimedOut,

    /// <summary>The connection was reset.</summary>
    Reset,

    /// <summary>
    /// <c>[IN-USE]</c> (RFC 2449), IMAP's <c>[INUSE]</c> or <c>[LIMIT]</c> (RFC 5530), or a refusal for too many
    /// connections of the account (Dovecot's <c>mail_max_userip_connections</c>, Gmail's "Too many simultaneous
    /// connections").
    /// </summary>
    InUse,

    /// <summary><c>[SYS/TEMP]</c> (RFC 3206) or IMAP's <c>[UNAVAILABLE]</c>: the server is busy or short of something.</summary>
    Busy,
}

/// <summary>Tells pushback from other failures, by what MailKit threw.</summary>
public static class ServerPushbacks
{
    private static readonly string[] InUseMarks = ["[IN-USE]", "[INUSE]", "[LIMIT]", "Maximum number of connections", "Too many simultaneous connections", "too many connections"];
    private static readonly string[] BusyMarks = ["[SYS/TEMP]", "[UNAVAILABLE]"];

    /// <summary>The pushback a server's reply to a login says, or null: a refusal for the account's sessions or a busy server.</summary>
    public static ServerPushback? InReply(string? reply) =>
        reply is null ? null
        : InUseMarks.Any(m => reply.Contains(m, StringComparison.OrdinalIgnoreCase)) ? ServerPushback.InUse
        : BusyMarks.Any(m => reply.Contains(m, StringComparison.OrdinalIgnoreCase)) ? ServerPushback.Busy
        : null;

    /// <summary>The pushback <paramref name="e"/> (or an exception inside it) is, or null when it is none.</summary>
    public static ServerPushback? Of(Exception e)
    {
        for (var inner = e; inner is not null; inner = inner.InnerException)
        {
            switch (inner)
            {
                case MailFetchException { Pushback: { } known }:
                    return known;
                case SocketException s:
                    return s.SocketErrorCode switch
                    {
                        SocketError.ConnectionRefused => ServerPushback.Refused,
                        SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.Shutdown => ServerPushback.Reset,
                        SocketError.TimedOut => ServerPushback.TimedOut,
                        _ => null,
                    };
                case TimeoutException:
                    return ServerPushback.TimedOut;
                case MailKit.Security.AuthenticationException when Says(inner, InUseMarks):
                    // The login was refused for the account's connections, not for its password.
                    return ServerPushback.InUse;
                case MailKit.Security.AuthenticationException when Says(inner, BusyMarks):
                    return ServerPushback.Busy;
                case Pop3CommandException or ImapCommandException or Pop3ProtocolException or ImapProtocolException or MailKit.ServiceNotConnectedException:
                    if (Says(inner, InUseMarks))
                    {
                        return ServerPushback.InUse;
                    }

                    if (Says(inner, BusyMarks))
                    {
                        return ServerPushback.Busy;
                    }

                    // A server that hangs up on a login (BYE, or closing the line) is turning the session away.
                    if (inner is Pop3ProtocolException or ImapProtocolException or MailKit.ServiceNotConnectedException)
                    {
                        return ServerPushback.Reset;
                    }

                    break;
            }
        }

        return null;
    }

    private static bool Says(Exception e, string[] marks)
    {
        var text = e switch
        {
            Pop3CommandException p => $"{p.Message} {p.StatusText}",
            ImapCommandException i => $"{i.Message} {i.ResponseText}",
            _ => e.Message,
        };
        return marks.Any(m => text.Contains(m, StringComparison.OrdinalIgnoreCase));
    }
}
