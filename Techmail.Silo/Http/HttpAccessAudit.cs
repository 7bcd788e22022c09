using Microsoft.AspNetCore.Http;
using Techmail.Access;
using Techmail.Audit;

namespace Techmail.Silo.Http;

/// <summary>What the HTTP endpoint writes to the audit log: sign-ins, and refusals of a token or session presented to it.</summary>
public sealed class HttpAccessAudit(AuditLog log, RefusalThrottle throttle, ILogger<HttpAccessAudit> logger)
{
    /// <summary>Who a token that did not verify claims to be: its public id, never the token; "anonymous" when it is not even shaped like one.</summary>
    public static string ActorOf(string token) => TokenText.IdOf(token) is { } id ? $"token {id}" : "anonymous";

    /// <summary>
    /// Records a refusal, within <see cref="RefusalThrottle"/>'s allowance for its source. The request is refused
    /// whether or not the record could be written: a database that does not answer must not turn a refusal into an
    /// error page, and the log keeps the line.
    /// </summary>
    public async Task Refused(HttpContext context, string tenant, string actor, string reason)
    {
        var (write, leftOut) = throttle.Admit(context.Connection.RemoteIpAddress);
        if (!write)
        {
            return;
        }

        if (leftOut > 0)
        {
            reason += $" (and {leftOut} more refusals from this source before this one, past {RefusalThrottle.WrittenPerWindow} a minute, were counted but not written)";
        }

        logger.LogWarning("Refused {Actor} at {Path} from {Remote}: {Reason}", actor, context.Request.Path, context.Connection.RemoteIpAddress, reason);
        try
        {
            await log.RecordAccess(tenant, actor, AuditActions.AccessRefused, context.Request.Path, Details(context, reason));
        }
        catch (Exception e)
        {
            logger.LogWarning("Could not write the refusal of {Actor} at {Path} to the audit log: {Error}", actor, context.Request.Path, e.Message);
        }
    }

    /// <summary>Records a sign-in before its session opens; one that cannot be recorded does not happen.</summary>
    public Task SignedIn(HttpContext context, Caller caller) =>
        log.RecordAccess(caller.Tenant ?? "*", caller.Name, AuditActions.SignIn, context.Request.Path, Details(context, $"signed in as {AccessPolicy.Describe(caller)}"));

    private static object Details(HttpContext context, string reason) => new
    {
        reason,
        remote = context.Connection.RemoteIpAddress?.ToString(),
        method = context.Request.Method,
    };
}
