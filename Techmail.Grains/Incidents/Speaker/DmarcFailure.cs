using Techmail.Incidents.Parsing;

namespace Techmail.Incidents.Speaker;

/// <summary>
/// A receiving server the mailbox trusts found that the mail's From fails its domain's DMARC policy: the From is not
/// proven, so the mail may not speak for that customer.
/// </summary>
/// <param name="AuthServId">The trusted authserv-id whose header said so.</param>
/// <param name="Result">The result as the header wrote it, e.g. "dmarc=fail (p=reject) header.from=example.com".</param>
public sealed record DmarcFailure(string AuthServId, string Result)
{
    /// <summary>The tag an incident opened by such a mail carries.</summary>
    public const string Tag = "dmarc-failed";

    /// <summary>What the thread says, e.g. "DMARC failed (authserv-id mx.example.com: dmarc=fail header.from=example.com)".</summary>
    public string Describe() => $"DMARC failed (authserv-id {AuthServId}: {Result})";

    /// <summary>
    /// The DMARC failure the mailbox's trusted receiving servers report in <paramref name="headers"/>, or null when none
    /// does (no trusted header, a pass, or a result that is not "fail").
    /// </summary>
    /// <param name="headers">The mail's headers in order, top first, as the reader keeps them.</param>
    /// <param name="trusted">The authserv-ids the mailbox trusts; empty (the default) ignores every such header.</param>
    /// <remarks>
    /// Every server a mail passes prepends its trace headers, so what the trusted server wrote sits above everything the
    /// sender wrote. Only the topmost run counts: from the first Authentication-Results header with a trusted
    /// authserv-id down to the first Received header (the hop into the trusted server) or header from another
    /// authserv-id. A header lower down that claims a trusted authserv-id came from outside (RFC 8601 section 5 asks the
    /// server to remove those; not every server does), and is ignored. Within the run a fail wins over a pass, so a
    /// forged pass squeezed in beside the real header can never hide a real fail; a forged fail only harms its writer.
    /// </remarks>
    public static DmarcFailure? Find(IReadOnlyList<(string Name, string Value)> headers, IReadOnlyList<string> trusted)
    {
        if (trusted.Count == 0)
        {
            return null;
        }

        var inRun = false;
        foreach (var (name, value) in headers)
        {
            if (name.Equals("Received", StringComparison.OrdinalIgnoreCase))
            {
                if (inRun)
                {
                    return null;
                }

                continue;
            }

            if (!name.Equals(AuthenticationResults.HeaderName, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var parsed = AuthenticationResults.Parse(value);
            var isTrusted = parsed is not null && trusted.Contains(parsed.AuthServId, StringComparer.OrdinalIgnoreCase);
            if (!isTrusted)
            {
                if (inRun)
                {
                    return null;
                }

                continue;
            }

            inRun = true;
            if (parsed!.Results.FirstOrDefault(r => r is { Method: "dmarc", Result: "fail" }) is { } fail)
            {
                return new DmarcFailure(parsed.AuthServId, fail.Text);
            }
        }

        return null;
    }
}
