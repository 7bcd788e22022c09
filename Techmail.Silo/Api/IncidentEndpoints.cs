using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Techmail.Incidents;

namespace Techmail.Silo.Api;

/// <summary>A change of an incident's fields; fields left out (or null) stay as they are, an empty string clears one.</summary>
public sealed record IncidentPatch(string? Status, string? Queue, string? Priority, string? Category, string? Assignee);

/// <summary>A reply sent as JSON (files go as multipart/form-data: fields body, status, agent and any number of files).</summary>
public sealed record ReplyRequest(string Body, string? Status, string? Agent);

/// <summary>
/// Incidents and their threads: list with the CLI's filters, read, download attachments, reply with files, change
/// fields; what <c>techmail incident ...</c> does, through the same grain calls.
/// </summary>
public static class IncidentEndpoints
{
    private const string List = "incidents";

    /// <summary>The most a reply's files may weigh together; the mail must still pass the relay.</summary>
    private const long MaxReplyBytes = 25 * 1024 * 1024;

    public static RouteGroupBuilder MapIncidentApi(this RouteGroupBuilder api)
    {
        var incidents = api.MapGroup("/incidents").WithTags("Incidents");
        incidents.MapGet("", ListIncidents).WithSummary("Incidents, newest first, filtered as incident list filters them, a page at a time");
        incidents.MapGet("/{reference}", Get).WithSummary("One incident: its fields and the whole thread, attachments numbered from 1 in thread order; the ETag is its version");
        incidents.MapPatch("/{reference}", Update).WithSummary("Change status, queue, priority, category or assignee (an empty string clears one); needs If-Match with the ETag read (any mail or change since makes it 412)")
            .Accepts<IncidentPatch>("application/json");
        incidents.MapGet("/{reference}/attachments/{number:int}", Attachment).WithSummary("Attachment N of the thread, byte for byte");
        incidents.MapPost("/{reference}/replies", Reply).WithSummary("Answer the contact with optional files: added to the thread and queued with the incident's tracking Message-ID")
            .Accepts<ReplyRequest>("application/json", "multipart/form-data");
        return api;
    }

    private static IIncidentGrain Incident(IGrainFactory grains, HttpContext context, string? tenant, string reference)
    {
        if (!IncidentReference.TryParse(reference, out _))
        {
            throw new ApiInputException(nameof(reference), $"'{reference}' is not an incident reference (YYMMDD-NNNNNN)");
        }

        return grains.GetGrain<IIncidentGrain>(IncidentKey.For(ApiRequest.Tenant(context, tenant), reference));
    }

    private static async Task<Ok<Page<IncidentSummary>>> ListIncidents(
        string? tenant, string? mailbox, string? status, string? queue, string? contact, string? text, string? cursor, int? limit,
        HttpContext context, IGrainFactory grains)
    {
        var query = new IncidentQuery(
            ApiRequest.Tenant(context, tenant),
            mailbox,
            ApiRequest.Enum<IncidentStatus>(nameof(status), status),
            queue,
            contact,
            text,
            ApiPaging.Limit(limit, 50, IncidentListStore.MaxTake),
            ApiPaging.Decode(List, cursor));
        var page = await grains.GetGrain<IIncidentListGrain>(0).List(query);
        return TypedResults.Ok(new Page<IncidentSummary>(page.Incidents, ApiPaging.Encode(List, page.Next)));
    }

    private static async Task<Results<Ok<IncidentDetails>, ProblemHttpResult>> Get(string reference, string? tenant, HttpContext context, IGrainFactory grains)
    {
        if (await Incident(grains, context, tenant, reference).Get() is not { } details)
        {
            return NotFound(context, tenant, reference);
        }

        ApiETags.Set(context, IncidentTag.Of(details.Incident));
        return TypedResults.Ok(details);
    }

    private static async Task<Ok<IncidentSummary>> Update(string reference, string? tenant, HttpContext context, IGrainFactory grains, CancellationToken cancellationToken)
    {
        var expected = ApiETags.Required(context.Request);
        var patch = await ApiRequest.Json<IncidentPatch>(context.Request, cancellationToken);
        var changes = new IncidentChanges(ApiRequest.Enum<IncidentStatus>("status", patch.Status), patch.Queue, patch.Priority, patch.Category, patch.Assignee);
        if (changes == new IncidentChanges())
        {
            throw new ApiInputException("body", "nothing to change: give status, queue, priority, category or assignee");
        }

        var updated = await Incident(grains, context, tenant, reference).Update(changes, expected);
        ApiETags.Set(context, IncidentTag.Of(updated));
        return TypedResults.Ok(updated);
    }

    private static async Task<Results<FileContentHttpResult, ProblemHttpResult>> Attachment(string reference, int number, string? tenant, HttpContext context, IGrainFactory grains)
    {
        var grain = Incident(grains, context, tenant, reference);
        if (await grain.Get() is not { } details)
        {
            return NotFound(context, tenant, reference);
        }

        // Numbered as 'incident show' numbers them: through the thread, oldest entry first.
        var all = details.Thread.SelectMany(e => e.Attachments.Select(a => (e.Sequence, a.Position))).ToList();
        if (number < 1 || number > all.Count)
        {
            return ApiProblems.NotFound($"incident {reference} has {all.Count} attachment(s); there is no number {number}.");
        }

        var (sequence, position) = all[number - 1];
        if (await grain.Attachment(sequence, position) is not { } attachment)
        {
            return ApiProblems.NotFound($"attachment {number} of incident {reference} is gone.");
        }

        // Always a download: a customer's file is never rendered by the browser in this origin.
        context.Response.Headers.XContentTypeOptions = "nosniff";
        return TypedResults.File(attachment.Content, attachment.Info.ContentType, attachment.Info.FileName);
    }

    private static async Task<Created<ReplyReceipt>> Reply(string reference, string? tenant, HttpContext context, IGrainFactory grains, CancellationToken cancellationToken)
    {
        var request = context.Request;
        AgentReply reply;
        if (request.HasFormContentType)
        {
            if (request.ContentLength > MaxReplyBytes)
            {
                throw new ApiInputException("files", $"a reply's files may weigh {MaxReplyBytes / 1024 / 1024} MB together", StatusCodes.Status413PayloadTooLarge);
            }

            var form = await request.ReadFormAsync(cancellationToken);
            var files = new List<ReplyAttachment>();
            foreach (var file in form.Files)
            {
                await using var stream = file.OpenReadStream();
                using var bytes = new MemoryStream();
                await stream.CopyToAsync(bytes, cancellationToken);
                files.Add(new ReplyAttachment(
                    Path.GetFileName(file.FileName),
                    string.IsNullOrEmpty(file.ContentType) ? MimeKit.MimeTypes.GetMimeType(file.FileName) : file.ContentType,
                    bytes.ToArray()));
            }

            reply = new AgentReply(form["body"].ToString(), Agent(context, form["agent"]), files, ApiRequest.Enum<IncidentStatus>("status", NullIfEmpty(form["status"])));
        }
        else
        {
            var json = await ApiRequest.Json<ReplyRequest>(request, cancellationToken);
            reply = new AgentReply(json.Body ?? "", Agent(context, json.Agent), [], ApiRequest.Enum<IncidentStatus>("status", json.Status));
        }

        if (string.IsNullOrWhiteSpace(reply.Body))
        {
            throw new ApiInputException("body", "a reply needs a body");
        }

        var receipt = await Incident(grains, context, tenant, reference).Reply(reply);
        return TypedResults.Created($"/api/v1/incidents/{reference}", receipt);
    }

    /// <summary>Who answers: as given, else the name of the token or session the reply came with.</summary>
    private static string? Agent(HttpContext context, string? given) =>
        NullIfEmpty(given) ?? Http.HttpCaller.Caller(context)?.Name;

    private static string? NullIfEmpty(string? text) => string.IsNullOrWhiteSpace(text) ? null : text;

    private static ProblemHttpResult NotFound(HttpContext context, string? tenant, string reference) =>
        ApiProblems.Problem(StatusCodes.Status404NotFound, "Not found", $"incident {reference} does not exist in tenant '{ApiRequest.Tenant(context, tenant)}'.");
}
