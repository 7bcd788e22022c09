using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Techmail.Certificates;
using Techmail.Engine;
using Techmail.Intake;
using Techmail.Mailboxes;
using Techmail.Outgoing;
using Techmail.Polling;
using Techmail.Tenants;

namespace Techmail.Silo.Api;

/// <summary>A mailbox to create: its name and every setting, as <c>mailbox add</c> takes them.</summary>
public sealed record NewMailbox(string Name, MailboxSettings Settings);

/// <summary>One entry of an export or import: the same shape <c>mailbox export</c> writes and <c>mailbox import</c> reads.</summary>
public sealed record MailboxEntry(string Name, MailboxSettings Settings);

public sealed record ImportFailure(string Name, string Reason, IReadOnlyList<ValidationError> Errors);

public sealed record ImportResult(int Imported, IReadOnlyList<ImportFailure> Failed);

public sealed record MailboxStatusReport(string Name, MailboxStatus Status, IntakeBacklog Backlog, OutboxStatus Outbox, string? CertificateWarning);

/// <summary>One mailbox's line of <c>mailbox status</c> without a name.</summary>
public sealed record MailboxStatusLine(string Name, MailboxStatus Status);

public sealed record PollStarted(string Name, MailboxStatus Status);

/// <summary>A message to send from a mailbox, as <c>mailbox send</c> takes it.</summary>
public sealed record SendRequest(IReadOnlyList<string> To, string? Subject, string? Body, string? RequestId);

public sealed record EngineReport(EngineStatus Status, IntakeBacklog Backlog);

/// <summary>
/// Mailboxes, their status, polls, trace and outbox, and the engine's status: what <c>techmail mailbox ...</c>,
/// <c>techmail outbox list</c> and <c>techmail status</c> do, through the same grain calls.
/// </summary>
public static class MailboxEndpoints
{
    private const string List = "mailboxes";

    public static RouteGroupBuilder MapMailboxApi(this RouteGroupBuilder api)
    {
        var mailboxes = api.MapGroup("/mailboxes").WithTags("Mailboxes");
        mailboxes.MapGet("", ListMailboxes).WithSummary("List the tenant's mailboxes in name order, a page at a time");
        mailboxes.MapPost("", Create).WithSummary("Add a mailbox with its settings (disabled unless settings.enabled)")
            .Accepts<NewMailbox>("application/json");
        mailboxes.MapGet("/{name}", Get).WithSummary("A mailbox: settings (secrets masked), status and version; the ETag is the settings' version");
        mailboxes.MapPut("/{name}", Update).WithSummary("Replace a mailbox's settings; needs If-Match with the ETag read (masked secrets keep their value)")
            .Accepts<MailboxSettings>("application/json");
        mailboxes.MapPost("/{name}/enable", (string name, string? tenant, HttpContext context, IGrainFactory grains) => SetEnabled(name, tenant, true, context, grains))
            .WithSummary("Enable a mailbox (If-Match optional)");
        mailboxes.MapPost("/{name}/disable", (string name, string? tenant, HttpContext context, IGrainFactory grains) => SetEnabled(name, tenant, false, context, grains))
            .WithSummary("Disable a mailbox (If-Match optional)");
        mailboxes.MapDelete("/{name}", Remove).WithSummary("Remove a mailbox (If-Match optional)");
        api.MapGet("/mailbox-statuses", Statuses).WithTags("Mailboxes")
            .WithSummary("Each mailbox's state, counts, last error and grant, in name order, a page at a time (mailbox status without a name)");
        mailboxes.MapGet("/{name}/status", Status).WithSummary("State, next poll, counts, last error, intake backlog, outbox and certificate warning");
        mailboxes.MapPost("/{name}/poll", Poll).WithSummary("Poll now (or right after the running poll); answers at once, the status shows how it went");
        mailboxes.MapGet("/{name}/trace", Trace).WithSummary("What happened to each message taken off the server, newest first, a page at a time");
        mailboxes.MapPost("/{name}/send", Send).WithSummary("Queue a message in the mailbox's outbox; answers at once with the outbox id")
            .Accepts<SendRequest>("application/json");
        mailboxes.MapGet("/{name}/outbox/{id:long}", OutboxMail).WithSummary("One mail of the mailbox's outbox: queued, sent or failed with the relay's reply");

        api.MapGet("/mailbox-export", Export).WithTags("Mailboxes").WithSummary("Every mailbox's settings, as mailbox export writes them; includeSecrets needs the secrets grant");
        api.MapPost("/mailbox-import", Import).WithTags("Mailboxes").WithSummary("Create or replace each mailbox of a JSON array of {name, settings}; each stands alone")
            .Accepts<List<MailboxEntry>>("application/json");
        api.MapGet("/outbox", Outbox).WithTags("Mailboxes").WithSummary("Mail queued for sending by each mailbox, newest first, a page at a time");
        api.MapGet("/status", Engine).WithTags("Status").WithSummary("The engine at a glance: mailboxes, storage, polling, session limits and the intake backlog (operators, auditors)");
        return api;
    }

    private static IMailboxGrain Mailbox(IGrainFactory grains, HttpContext context, string? tenant, string name) =>
        grains.GetGrain<IMailboxGrain>(MailboxKey.For(ApiRequest.Tenant(context, tenant), name));

    private static async Task<Ok<Page<MailboxSummary>>> ListMailboxes(string? tenant, string? cursor, int? limit, HttpContext context, IGrainFactory grains)
    {
        var page = await grains.GetGrain<ITenantGrain>(ApiRequest.Tenant(context, tenant))
            .List(ApiPaging.Decode(List, cursor), ApiPaging.Limit(limit, 100, MailboxPage.MaxTake));
        return TypedResults.Ok(new Page<MailboxSummary>(page.Items, ApiPaging.Encode(List, page.NextAfter)));
    }

    private static async Task<Created<MailboxView>> Create(string? tenant, HttpContext context, IGrainFactory grains, CancellationToken cancellationToken)
    {
        var request = await ApiRequest.Json<NewMailbox>(context.Request, cancellationToken);
        if (!MailboxKey.IsValidName(request.Name))
        {
            throw new ApiInputException("name", $"1-{MailboxKey.MaxNameLength} letters, digits, '.', '_' or '-', starting with a letter or digit");
        }

        if (request.Settings is null)
        {
            throw new ApiInputException("settings", "the mailbox's settings are required");
        }

        var view = await Mailbox(grains, context, tenant, request.Name).Create(request.Settings);
        ApiETags.Set(context, view.Version);
        return TypedResults.Created($"/api/v1/mailboxes/{Uri.EscapeDataString(view.Name)}", view);
    }

    private static async Task<Results<Ok<MailboxView>, ProblemHttpResult>> Get(string name, string? tenant, HttpContext context, IGrainFactory grains)
    {
        if (await Mailbox(grains, context, tenant, name).Get() is not { } view)
        {
            return NotFound(context, tenant, name);
        }

        ApiETags.Set(context, view.Version);
        return TypedResults.Ok(view);
    }

    private static async Task<Ok<MailboxView>> Update(string name, string? tenant, HttpContext context, IGrainFactory grains, CancellationToken cancellationToken)
    {
        var expected = ApiETags.Version(ApiETags.Required(context.Request));
        var settings = await ApiRequest.Json<MailboxSettings>(context.Request, cancellationToken);
        var view = await Mailbox(grains, context, tenant, name).Update(settings, expected);
        ApiETags.Set(context, view.Version);
        return TypedResults.Ok(view);
    }

    private static async Task<Ok<MailboxView>> SetEnabled(string name, string? tenant, bool enabled, HttpContext context, IGrainFactory grains)
    {
        var view = await Mailbox(grains, context, tenant, name).SetEnabled(enabled, ApiETags.Version(ApiETags.Optional(context.Request)));
        ApiETags.Set(context, view.Version);
        return TypedResults.Ok(view);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Remove(string name, string? tenant, HttpContext context, IGrainFactory grains) =>
        await Mailbox(grains, context, tenant, name).Remove(ApiETags.Version(ApiETags.Optional(context.Request)))
            ? TypedResults.NoContent()
            : NotFound(context, tenant, name);

    private static async Task<Ok<MailboxStatusReport>> Status(string name, string? tenant, HttpContext context, IGrainFactory grains)
    {
        var tenantName = ApiRequest.Tenant(context, tenant);
        var key = MailboxKey.For(tenantName, name);
        var mailbox = grains.GetGrain<IMailboxGrain>(key);
        var status = await mailbox.GetStatus();
        var outbox = await grains.GetGrain<IOutboxGrain>(key).GetStatus();
        var backlog = await grains.GetGrain<IIntakeBacklogGrain>(0).ForMailbox(tenantName, name);
        string? warning = null;
        if (await mailbox.Get() is { Settings: { Smime: not null, Outgoing: { } outgoing } })
        {
            // As 'mailbox status' warns: the certificate S/MIME signs and decrypts with is missing or expires soon.
            var address = SmimeAddress.Of(outgoing);
            warning = CertificateWarning.For(await grains.GetGrain<ICertificateGrain>(tenantName).ForMailbox(address), address, DateTimeOffset.UtcNow);
        }

        return TypedResults.Ok(new MailboxStatusReport(name, status, backlog, outbox, warning));
    }

    private static async Task<Ok<Page<MailboxStatusLine>>> Statuses(string? tenant, string? cursor, int? limit, HttpContext context, IGrainFactory grains)
    {
        var tenantName = ApiRequest.Tenant(context, tenant);
        var page = await grains.GetGrain<ITenantGrain>(tenantName)
            .List(ApiPaging.Decode(List, cursor), ApiPaging.Limit(limit, 100, MailboxPage.MaxTake));
        // Each status is its mailbox grain's; asked together, a page costs one round trip, not one per mailbox.
        var statuses = await Task.WhenAll(page.Items.Select(m => StatusOrNone(grains.GetGrain<IMailboxGrain>(MailboxKey.For(tenantName, m.Name)))));
        var lines = page.Items.Select((m, i) => (m.Name, Status: statuses[i]))
            .Where(l => l.Status is not null)
            .Select(l => new MailboxStatusLine(l.Name, l.Status!))
            .ToList();
        return TypedResults.Ok(new Page<MailboxStatusLine>(lines, ApiPaging.Encode(List, page.NextAfter)));
    }

    /// <summary>A mailbox's status, or null for one removed since the page was listed (it is left out, not an error).</summary>
    private static async Task<MailboxStatus?> StatusOrNone(IMailboxGrain mailbox)
    {
        try
        {
            return await mailbox.GetStatus();
        }
        catch (MailboxException e) when (e.Kind == MailboxErrorKind.NotFound)
        {
            return null;
        }
    }

    private static async Task<Accepted<PollStarted>> Poll(string name, string? tenant, HttpContext context, IGrainFactory grains)
    {
        var status = await Mailbox(grains, context, tenant, name).PollNow();
        return TypedResults.Accepted($"/api/v1/mailboxes/{Uri.EscapeDataString(name)}/status", new PollStarted(name, status));
    }

    private static async Task<Ok<Page<TraceEntry>>> Trace(string name, string? tenant, string? cursor, int? limit, HttpContext context, IGrainFactory grains)
    {
        var page = await Mailbox(grains, context, tenant, name).GetTrace(
            ApiPaging.Limit(limit, 50, MessageLedger.MaxTake), ApiPaging.Position(PagedList.Trace, cursor, PositionShape.TimeAndKey));
        return TypedResults.Ok(ApiPaging.Of(PagedList.Trace, page));
    }

    private static async Task<Accepted<SendTicket>> Send(string name, string? tenant, HttpContext context, IGrainFactory grains, CancellationToken cancellationToken)
    {
        var request = await ApiRequest.Json<SendRequest>(context.Request, cancellationToken);
        if (request.To is not { Count: > 0 })
        {
            throw new ApiInputException("to", "at least one recipient");
        }

        var mail = new OutgoingMail(request.To, request.Subject ?? "Techmail test message", request.Body ?? "A test message sent by Techmail.");
        var ticket = await Mailbox(grains, context, tenant, name).Send(mail, request.RequestId);
        return TypedResults.Accepted($"/api/v1/mailboxes/{Uri.EscapeDataString(name)}/outbox/{ticket.OutboxId}", ticket);
    }

    private static async Task<Results<Ok<OutboxEntry>, ProblemHttpResult>> OutboxMail(string name, long id, string? tenant, HttpContext context, IGrainFactory grains) =>
        await grains.GetGrain<IOutboxGrain>(MailboxKey.For(ApiRequest.Tenant(context, tenant), name)).Get(id) is { } entry
            ? TypedResults.Ok(entry)
            : ApiProblems.NotFound($"mailbox '{name}' has no outbox mail {id}.");

    private static async Task<Ok<Page<OutboxEntry>>> Outbox(string? tenant, string? mailbox, string? state, string? cursor, int? limit, HttpContext context, IGrainFactory grains)
    {
        var page = await grains.GetGrain<IOutboxListGrain>(ApiRequest.Tenant(context, tenant)).List(
            mailbox, ApiRequest.Enum<OutboxState>(nameof(state), state), ApiPaging.Limit(limit, 100, OutboxStore.MaxListTake),
            ApiPaging.Position(PagedList.Outbox, cursor, PositionShape.Id));
        return TypedResults.Ok(ApiPaging.Of(PagedList.Outbox, page));
    }

    private static async Task<Ok<List<MailboxEntry>>> Export(string? tenant, bool? includeSecrets, HttpContext context, IGrainFactory grains)
    {
        var tenantName = ApiRequest.Tenant(context, tenant);
        var directory = grains.GetGrain<ITenantGrain>(tenantName);
        var entries = new List<MailboxEntry>();
        string? after = null;
        do
        {
            var page = await directory.List(after, MailboxPage.MaxTake);
            foreach (var summary in page.Items)
            {
                if (await grains.GetGrain<IMailboxGrain>(MailboxKey.For(tenantName, summary.Name)).Export(includeSecrets == true) is { } settings)
                {
                    entries.Add(new MailboxEntry(summary.Name, settings));
                }
            }

            after = page.NextAfter;
        }
        while (after is not null);

        // Secrets in clear must not linger in a cache between here and the caller.
        context.Response.Headers.CacheControl = "no-store";
        return TypedResults.Ok(entries);
    }

    private static async Task<Ok<ImportResult>> Import(string? tenant, HttpContext context, IGrainFactory grains, CancellationToken cancellationToken)
    {
        var entries = await ApiRequest.Json<List<MailboxEntry>>(context.Request, cancellationToken);
        for (var i = 0; i < entries.Count; i++)
        {
            if (entries[i] is not { Settings: not null } entry || !MailboxKey.IsValidName(entry.Name))
            {
                throw new ApiInputException($"[{i}]", "each entry needs a valid name and its settings");
            }
        }

        if (entries.GroupBy(e => e.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw new ApiInputException("name", $"mailbox '{twice.Key}' appears {twice.Count()} times");
        }

        // As 'mailbox import': each mailbox stands alone, so one refusal leaves the others saved.
        var tenantName = ApiRequest.Tenant(context, tenant);
        var failed = new List<ImportFailure>();
        foreach (var entry in entries)
        {
            try
            {
                await grains.GetGrain<IMailboxGrain>(MailboxKey.For(tenantName, entry.Name)).Upsert(entry.Settings);
            }
            catch (MailboxException e)
            {
                failed.Add(new ImportFailure(entry.Name, e.Message, e.Errors));
            }
        }

        return TypedResults.Ok(new ImportResult(entries.Count - failed.Count, failed));
    }

    private static async Task<Ok<EngineReport>> Engine(IGrainFactory grains) =>
        TypedResults.Ok(new EngineReport(await grains.GetGrain<IEngineGrain>(0).GetStatus(), await grains.GetGrain<IIntakeBacklogGrain>(0).ForCluster()));

    private static ProblemHttpResult NotFound(HttpContext context, string? tenant, string name) =>
        ApiProblems.Problem(StatusCodes.Status404NotFound, "Not found", $"mailbox '{name}' does not exist in tenant '{ApiRequest.Tenant(context, tenant)}'.");
}
