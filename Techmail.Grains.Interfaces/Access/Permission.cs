namespace Techmail.Access;

/// <summary>
/// What a grain method needs of a caller from outside the cluster. Each method of a grain interface declares one with
/// <see cref="RequiresAttribute"/>; the silo's access filter refuses a method without one (deny by default), and
/// <c>AccessPolicy</c> says which role holds which permission.
/// </summary>
public enum Permission
{
    /// <summary>The engine calls it (intake, wake-ups, bookkeeping between grains); of the clients only an operator may.</summary>
    Engine,

    /// <summary>The cluster's state: engine status, intake backlog of all tenants (operator, auditor).</summary>
    ReadCluster,

    /// <summary>A tenant's settings and what they produce: mailboxes, rules, certificates, quarantine, outbox, bounces.</summary>
    ReadSettings,

    /// <summary>Change a tenant's settings: add, change or remove mailboxes, rules, certificates; send; reprocess.</summary>
    ManageSettings,

    /// <summary>Mailbox secrets in clear (an export with secrets): operator, or an admin whose token was given --secrets.</summary>
    ReadSecrets,

    /// <summary>A tenant's work: incidents, their attachments, contacts.</summary>
    ReadWork,

    /// <summary>Do a tenant's work: reply to incidents, change them.</summary>
    DoWork,

    /// <summary>Create, list and revoke a tenant's tokens (operator: any tenant; admin: its own).</summary>
    ManageTokens,

    /// <summary>
    /// Vouch for a bounced address again (clear its invalid flag): the agent who hears from the customer, and the
    /// admin who runs the bounce list, but never the auditor. Its own permission, as it is the one piece of a tenant's
    /// work an admin (who does not answer incidents) is expected to do.
    /// </summary>
    ReviseAddresses,
}
