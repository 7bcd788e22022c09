namespace Techmail.Audit;

/// <summary>One recorded change: who made it, when, to what, and the settings before and after (secrets masked).</summary>
/// <param name="Actor">The verified caller's name (<see cref="Access.Caller.ActorName"/>), or "engine" for the engine's own work.</param>
/// <param name="Action">What was done, one of <see cref="AuditActions"/> (e.g. <c>mailbox.update</c>).</param>
/// <param name="Subject">What it was done to: a mailbox name, a certificate's thumbprint, a quarantine id, an address.</param>
/// <param name="Before">The settings before, as JSON with every secret masked; null when the thing did not exist.</param>
/// <param name="After">The settings after, as JSON with every secret masked; null when the thing is gone.</param>
[GenerateSerializer, Immutable, Alias("Techmail.AuditEntry")]
public sealed record AuditEntry(
    [property: Id(0)] long Id,
    [property: Id(1)] DateTimeOffset At,
    [property: Id(2)] string Tenant,
    [property: Id(3)] string Actor,
    [property: Id(4)] string Action,
    [property: Id(5)] string Subject,
    [property: Id(6)] string? Before,
    [property: Id(7)] string? After);

/// <param name="Tenant">One tenant's changes, or every tenant's when null.</param>
/// <param name="Since">Changes at or after this time; all when null.</param>
/// <param name="Take">At most this many, newest first.</param>
/// <param name="After">Paging: only changes older than this one (the previous page's <see cref="Paging.ListPage{T}.Next"/>).</param>
[GenerateSerializer, Immutable, Alias("Techmail.AuditQuery")]
public sealed record AuditQuery(
    [property: Id(0)] string? Tenant,
    [property: Id(1)] DateTimeOffset? Since,
    [property: Id(2)] int Take,
    [property: Id(3)] Paging.ListPosition? After = null) : ITenantScoped;

/// <summary>The names of the changes the audit log records, so every site says the same thing the same way.</summary>
public static class AuditActions
{
    public const string MailboxCreate = "mailbox.create";
    public const string MailboxUpdate = "mailbox.update";
    public const string MailboxEnable = "mailbox.enable";
    public const string MailboxDisable = "mailbox.disable";
    public const string MailboxRemove = "mailbox.remove";
    public const string RulesImport = "rules.import";
    public const string CertificateImport = "certificate.import";
    public const string CertificateRemove = "certificate.remove";
    public const string QuarantineReprocess = "quarantine.reprocess";
    public const string QuarantineDrop = "quarantine.drop";
    public const string ContactRevalidate = "contact.revalidate";
    public const string MailboxConnect = "mailbox.connect";

    /// <summary>The provider refused a mailbox's refresh token: its polls and sends stop until it is connected again.</summary>
    public const string MailboxNeedsReconnecting = "mailbox.needs-reconnecting";

    public const string WebhookAdd = "webhook.add";
    public const string WebhookRemove = "webhook.remove";
    public const string SignIn = "signin";
    public const string AccessRefused = "access.refused";
}
