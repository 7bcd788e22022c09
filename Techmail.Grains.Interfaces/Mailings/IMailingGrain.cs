namespace Techmail.Mailings;

/// <summary>
/// One mailing: its recipients' rows are the record, this grain decides when to hand the next ones to the outbox,
/// and hears what came back. Key: <see cref="MailingKey.For"/> ("tenant/id").
/// </summary>
[Alias("Techmail.IMailingGrain")]
public interface IMailingGrain : IGrainWithStringKey
{
    /// <summary>
    /// Adds lines of the list, numbered from <paramref name="firstIndex"/>; a line already added (a retried call) is
    /// left as it is. Only while the mailing is a draft.
    /// </summary>
    /// <returns>The lines added now that repeat an address listed before.</returns>
    [Alias("AddRecipients"), Requires(Permission.ManageSettings)]
    Task<int> AddRecipients(long firstIndex, IReadOnlyList<MailingRecipient> recipients);

    /// <summary>Starts sending a draft; a mailing already started answers as it is.</summary>
    [Alias("Start"), Requires(Permission.ManageSettings)]
    Task<MailingReport> Start();

    [Alias("Pause"), Requires(Permission.ManageSettings)]
    Task<MailingReport> Pause();

    [Alias("Resume"), Requires(Permission.ManageSettings)]
    Task<MailingReport> Resume();

    /// <summary>No one else is mailed: pending recipients and mail still queued in the outbox are cancelled.</summary>
    [Alias("Cancel"), Requires(Permission.ManageSettings)]
    Task<MailingReport> Cancel();

    [Alias("Report"), Requires(Permission.ReadSettings)]
    Task<MailingReport?> Report();

    /// <summary>Recipients in list order, from <paramref name="afterIndex"/> on.</summary>
    [Alias("Recipients"), Requires(Permission.ReadSettings)]
    Task<IReadOnlyList<MailingRecipientState>> Recipients(long afterIndex, int take);

    /// <summary>A bounce or complaint bounce intake tied to one of this mailing's recipients.</summary>
    [Alias("RecordBounce"), Requires(Permission.Engine)]
    Task RecordBounce(MailingBounce bounce);

    /// <summary>A recipient's one-click unsubscribe (RFC 8058), its link's signature checked again here.</summary>
    /// <param name="tag">The signed recipient tag the link carries.</param>
    /// <returns>False when the tag is not this mailing's or its signature does not match.</returns>
    [Alias("Unsubscribe"), Requires(Permission.Engine)]
    Task<bool> Unsubscribe(string tag);
}

/// <summary>
/// Composes and queues one slice of a mailing's recipients. Keys spread a large mailing's slices over the cluster's
/// silos: "tenant/id/slot". Engine only: the mailing grain calls it.
/// </summary>
[Alias("Techmail.IMailingBatchGrain")]
public interface IMailingBatchGrain : IGrainWithStringKey
{
    /// <returns>How many of the recipients were queued in the outbox (the others were suppressed or already done).</returns>
    [Alias("Queue"), Requires(Permission.Engine)]
    Task<int> Queue(IReadOnlyList<long> indexes);
}

/// <summary>A tenant's mailings. Key: the tenant name.</summary>
[Alias("Techmail.IMailingListGrain")]
public interface IMailingListGrain : IGrainWithStringKey
{
    /// <summary>Creates a draft (or finds the one made for the same request id) and answers its id.</summary>
    [Alias("Create"), Requires(Permission.ManageSettings)]
    Task<long> Create(MailingDraft draft);

    /// <summary>Newest first, after <paramref name="after"/> (the previous page's <see cref="Paging.ListPage{T}.Next"/>) when given.</summary>
    [Alias("List"), Requires(Permission.ReadSettings)]
    Task<Paging.ListPage<MailingSummary>> List(int take, Paging.ListPosition? after = null);
}

public static class MailingKey
{
    public static string For(string tenant, long id) => $"{tenant}/{id}";

    public static (string Tenant, long Id) Parse(string key)
    {
        var slash = key.IndexOf('/');
        var rest = key[(slash + 1)..];
        var end = rest.IndexOf('/');
        return (key[..slash], long.Parse(end < 0 ? rest : rest[..end], System.Globalization.CultureInfo.InvariantCulture));
    }
}
