using Techmail.Tenants;

namespace Techmail.Engine;

public static class EngineMessages
{
    public const string NothingEnabled =
        "No mailbox is configured and enabled: nothing can be sent or received until one is (techmail mailbox add ...).";

    public static string Describe(DirectoryCounts counts) => counts.EnabledMailboxes == 0
        ? NothingEnabled
        : $"{counts.EnabledMailboxes} of {counts.Mailboxes} mailboxes enabled across {counts.Tenants} tenant(s).";
}
