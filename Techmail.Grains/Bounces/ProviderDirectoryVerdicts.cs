using System.Runtime.CompilerServices;

namespace Techmail.Bounces;

/// <summary>
/// Wording with which a mail system or provider documents that the recipient address does not exist in its own
/// directory. Said without an SMTP command named, "unknown user" words are usually a filter's (see
/// <see cref="ReasonResolver"/>); these are address verdicts wherever they appear.
/// </summary>
internal static class ProviderDirectoryVerdicts
{
    /// <summary>Each entry: words that identify the system, and the words its directory verdict contains.</summary>
    private static readonly (string System, string Verdict)[] Table =
    [
        // Yahoo Inc. (Yahoo, AOL, and the ISPs it hosts) prefixes its permanent recipient replies "delivery error: dd";
        // "This user doesn't have a <domain> account", "Requested mail box not found" and "Not a valid recipient".
        ("delivery error: dd", "doesn't have a"),
        ("delivery error: dd", "mail box not found"),
        ("delivery error: dd", "not a valid recipient"),
        // Gmail and Google Workspace: "The email account that you tried to reach does not exist".
        ("account that you tried to reach", "does not exist"),
        // Microsoft 365 directory-based edge blocking: "550 5.4.1 Recipient address rejected: Access denied. AS(...)".
        ("5.4.1", "recipient address rejected: access denied"),
        // Mimecast: "550 Invalid Recipient - https://community.mimecast.com/..." (its directory has no such address).
        ("mimecast", "invalid recipient"),
        // Barracuda's "cuda_nsu" tag: no such user.
        ("cuda_nsu", "cuda_nsu"),
        // Yandex: "550 5.7.1 No such user!".
        ("no such user!", "no such user!"),
        // Verizon's gateway heads the remote reply with its own verdict, "Error: Invalid user address".
        ("error: invalid user address", "error: invalid user address"),
    ];

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool Says(string text)
    {
        // A relayed remote reply starts with its reply code; a report that starts "Unknown user: <address>" is the
        // reporting server's own lookup (Ipswitch IMail's delivery failure report reads so).
        if (text.StartsWith("Unknown user: ", StringComparison.OrdinalIgnoreCase)) return true;
        foreach (var (system, verdict) in Table)
            if (text.Contains(system, StringComparison.OrdinalIgnoreCase) && text.Contains(verdict, StringComparison.OrdinalIgnoreCase))
                return true;
        return false;
    }
}
