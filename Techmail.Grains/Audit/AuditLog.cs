using Techmail.Access;

namespace Techmail.Audit;

/// <summary>
/// The one way a change is recorded: a grain that changed something calls <see cref="Record"/> once the change is
/// stored, with what it looked like before and after. Who made it is the verified caller of the call being served
/// (<see cref="Caller.ActorName"/>, read from the request context), never something the grain passes in.
/// </summary>
public sealed class AuditLog(AuditStore store, TimeProvider time)
{
    /// <param name="action">One of <see cref="AuditActions"/>.</param>
    /// <param name="subject">What was changed: a mailbox name, a thumbprint, a quarantine id, an address.</param>
    /// <param name="before">The settings before (any serializable value; secrets are masked here); null when it did not exist.</param>
    /// <param name="after">The settings after; null when it is gone.</param>
    /// <remarks>
    /// A change that changed nothing (an import run again) is not recorded. A failure to record is thrown to the caller:
    /// the change stands, and the admin is told the log missed it rather than the log missing it silently.
    /// </remarks>
    public async Task Record(string tenant, string action, string subject, object? before, object? after)
    {
        var beforeJson = AuditSnapshot.ToJson(before);
        var afterJson = AuditSnapshot.ToJson(after, before);
        if (beforeJson is not null && beforeJson == afterJson)
        {
            return;
        }

        await store.Add(time.GetUtcNow(), tenant, Caller.ActorName, action, subject, beforeJson, afterJson);
    }

    /// <summary>
    /// An attempt at access the silo's HTTP endpoint refused, or a sign-in it granted. It happens outside any grain
    /// call, and a refused attempt has no verified caller, so the actor is given: the verified caller's name, or what
    /// the request presented (a token's public id, never the token), or "anonymous".
    /// </summary>
    /// <param name="tenant">The caller's tenant, or <c>*</c> (the operators' key) when there is none.</param>
    /// <param name="subject">The path asked for.</param>
    /// <param name="details">Why, and from where.</param>
    public Task RecordAccess(string tenant, string actor, string action, string subject, object details) =>
        store.Add(time.GetUtcNow(), tenant, actor, action, subject, null, AuditSnapshot.ToJson(details));
}
