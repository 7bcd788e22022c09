using Techmail.Outgoing;
using Techmail.Polling;

namespace Techmail.Mailboxes;

/// <summary>
/// Tries a mailbox's servers the way its polls and sends use them (<see cref="MailFetcher"/>, <see cref="MailSender"/>:
/// the same TLS, trust and login), and reports each in a line: logged in and how much mail waits, or the failure as a
/// poll would report it. Nothing is taken, deleted or sent, and a POP3 session ends without deletions.
/// </summary>
public sealed class ConnectionTester(MailFetcher fetcher, MailSender sender)
{
    /// <summary>How long each server may take: the grain answers the admin within the call timeout.</summary>
    public static readonly TimeSpan PerServer = TimeSpan.FromSeconds(12);

    /// <param name="settings">The mailbox's settings with secrets revealed and the tenant's server trust applied.</param>
    /// <param name="mailbox">The mailbox's key: a delegated OAuth login asks its grant for the token, as a poll does.</param>
    public async Task<ConnectionTestResult> Test(MailboxSettings settings, string mailbox, CancellationToken cancellationToken)
    {
        var steps = new List<ConnectionTestStep>(2);
        if (settings.Incoming is { } incoming)
        {
            var what = $"incoming {incoming.Protocol.ToString().ToLowerInvariant()} {incoming.Host}:{incoming.EffectivePort}";
            steps.Add(await Step(what, cancellationToken, async ct =>
            {
                await using var session = await fetcher.Open(incoming, mailbox, keep: null, ct);
                var listed = await session.List(ct);
                await session.Commit(ct);
                return $"logged in as {incoming.Account}; {listed.Count} message{(listed.Count == 1 ? "" : "s")} waiting";
            }));
        }

        if (settings.Outgoing is { Relay: { } relay } outgoing)
        {
            steps.Add(await Step($"outgoing smtp {relay.Host}:{relay.EffectivePort}", cancellationToken, async ct =>
            {
                await using var session = await sender.Open(outgoing, mailbox, ct);
                await session.Close(ct);
                return relay.User is null ? "connected; the relay takes mail without a login" : $"logged in as {relay.User}";
            }));
        }

        if (steps.Count == 0)
        {
            steps.Add(new ConnectionTestStep("servers", false, "the mailbox has neither an incoming server nor an SMTP relay to test"));
        }

        return new ConnectionTestResult(steps);
    }

    private static async Task<ConnectionTestStep> Step(string what, CancellationToken cancellationToken, Func<CancellationToken, Task<string>> run)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(PerServer);
        try
        {
            return new ConnectionTestStep(what, true, await run(timeout.Token));
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return new ConnectionTestStep(what, false, $"no answer within {PerServer.TotalSeconds:0} s");
        }
        catch (MailFetchException e)
        {
            return new ConnectionTestStep(what, false, e.Message);
        }
    }
}
