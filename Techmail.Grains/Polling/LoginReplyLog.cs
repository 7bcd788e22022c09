using System.Text;
using MailKit;

namespace Techmail.Polling;

/// <summary>
/// Keeps the server's last line while a client connects and logs in. MailKit reports a refused login as a bare
/// "Authentication failed.", but the server's words say whether it refused the password or the session
/// (<c>-ERR [IN-USE] Maximum number of connections ...</c>): only the second is pushback. Once the login is over it
/// keeps nothing, so downloads pass by untouched.
/// </summary>
internal sealed class LoginReplyLog : IProtocolLogger
{
    private const int Longest = 300;
    private readonly StringBuilder _line = new();
    private volatile bool _stopped;

    /// <summary>The server's last complete line, or null.</summary>
    public string? LastLine { get; private set; }

    public IAuthenticationSecretDetector? AuthenticationSecretDetector { get; set; }

    /// <summary>The login is over: from now on nothing is kept.</summary>
    public void Stop() => _stopped = true;

    public void LogServer(byte[] buffer, int offset, int count)
    {
        if (_stopped)
        {
            return;
        }

        lock (_line)
        {
            foreach (var b in buffer.AsSpan(offset, count))
            {
                if (b == '\n')
                {
                    LastLine = _line.ToString().TrimEnd('\r');
                    _line.Clear();
                }
                else if (_line.Length < Longest)
                {
                    _line.Append((char)b);
                }
            }
        }
    }

    public void LogClient(byte[] buffer, int offset, int count)
    {
    }

    public void LogConnect(Uri uri)
    {
    }

    public void Dispose()
    {
    }
}
