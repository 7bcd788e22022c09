using System.Net;
using System.Text;
using MailKit.Security;
using Techmail.Mailboxes;

namespace Techmail.Authentication;

/// <summary>
/// OAUTHBEARER (RFC 7628) for a client that is not MailKit's: MailKit's mechanism takes the host and port it must name
/// from a URI that only MailKit's own clients can set. The first message carries the token; an error challenge from
/// the server is answered with the single ^A byte the RFC asks for, after which the server refuses the login.
/// </summary>
public sealed class OAuthBearerSasl(NetworkCredential credentials, string host, int port) : SaslMechanism(credentials)
{
    private bool _sent;

    public override string MechanismName => OAuthSettings.OAuthBearer;

    public override bool SupportsInitialResponse => true;

    protected override byte[] Challenge(byte[]? token, int startIndex, int length, CancellationToken cancellationToken)
    {
        if (_sent)
        {
            // The server's answer to a sent token is a JSON error: acknowledge it so the server can say no.
            IsAuthenticated = true;
            return [0x01];
        }

        _sent = true;
        return Encoding.UTF8.GetBytes($"n,a={Escape(Credentials.UserName)},\u0001host={host}\u0001port={port}\u0001auth=Bearer {Credentials.Password}\u0001\u0001");
    }

    public override void Reset()
    {
        _sent = false;
        base.Reset();
    }

    /// <summary>The authorization identity's escaping in the GS2 header (RFC 5801): "," and "=".</summary>
    private static string Escape(string user) => user.Replace("=", "=3D", StringComparison.Ordinal).Replace(",", "=2C", StringComparison.Ordinal);
}
