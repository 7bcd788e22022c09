using Techmail.Mailboxes;

namespace Techmail.Mailings;

/// <summary>
/// How a mailing is handed in, the same from the CLI and the HTTP API: the list is read and checked whole, the draft
/// created under the caller's request id, the lines added in chunks (each numbered, so a chunk sent again adds nothing),
/// and only then is it started. A failure part way leaves a draft that the same request id picks up again.
/// </summary>
public static class MailingSubmission
{
    /// <summary>Lines per call: a few hundred kilobytes at most, well inside a grain call's message limit.</summary>
    public const int ChunkSize = 2000;

    /// <param name="recipientList">The list's text: one address a line, or CSV with an <c>email</c> column.</param>
    /// <returns>The mailing's id and its report once started.</returns>
    public static async Task<(long Id, MailingReport Report)> Submit(
        IGrainFactory grains, string tenant, string mailbox, string name, string requestId, byte[] message, string recipientList,
        int? ratePerMinute, TimeSpan? retryWindow, IProgress<long>? progress = null)
    {
        var list = RecipientList.Parse(recipientList);
        if (list.Errors.Count > 0)
        {
            throw MailboxException.Invalid(list.Errors.Select(e => new ValidationError("recipients", e)).ToList());
        }

        var id = await grains.GetGrain<IMailingListGrain>(tenant).Create(new MailingDraft(mailbox, name, requestId, message, list.Fields, ratePerMinute, retryWindow));
        var mailing = grains.GetGrain<IMailingGrain>(MailingKey.For(tenant, id));
        if (await mailing.Report() is { Mailing.State: MailingState.Draft })
        {
            for (var start = 0; start < list.Recipients.Count; start += ChunkSize)
            {
                var chunk = list.Recipients.Skip(start).Take(ChunkSize).ToList();
                await mailing.AddRecipients(start + 1, chunk);
                progress?.Report(start + chunk.Count);
            }
        }

        return (id, await mailing.Start());
    }
}
