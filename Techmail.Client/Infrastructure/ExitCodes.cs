namespace Techmail.Client.Infrastructure;

public static class ExitCodes
{
    public const int Ok = 0;
    /// <summary>The engine refused: invalid settings, not found, conflict.</summary>
    public const int Refused = 1;
    /// <summary>The command line itself is wrong.</summary>
    public const int Usage = 2;
    /// <summary>No silo answered at the gateway.</summary>
    public const int Unreachable = 3;
    /// <summary>Some items of a batch (import) failed; the rest went through.</summary>
    public const int Partial = 4;
    /// <summary>TLS refused: the silo would not admit this client's certificate, or the client the silo's.</summary>
    public const int TlsRefused = 5;
    /// <summary>
    /// The silo refused this identity: no token, an unknown, expired or revoked one, or a role that may not do this in
    /// this tenant. Apart from 1 (the engine refused the request itself) so a script can tell "fix the token" from
    /// "fix the input".
    /// </summary>
    public const int Denied = 6;
    /// <summary>A wait ran out of time (<c>mailbox poll --wait</c> or <c>--until-built</c>); the work may still finish.</summary>
    public const int TimedOut = 7;
}
