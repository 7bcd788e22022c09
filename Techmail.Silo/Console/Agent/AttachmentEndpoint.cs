using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Net.Http.Headers;
using Techmail.Incidents;
using Techmail.Silo.Http;

namespace Techmail.Silo.WebConsole.Agent;

/// <summary>
/// One attachment of an incident's thread, byte for byte as it arrived, with its own content type and file name. Mail
/// is hostile: only pictures and plain text may open in the browser, everything else (HTML above all) is always a
/// download, never sniffed, and even an opened file is sandboxed by its Content-Security-Policy so nothing in it runs.
/// </summary>
public static class AttachmentEndpoint
{
    public const string Pattern = ConsoleRoutes.Queue + "/{reference}/attachments/{sequence:int}/{position:int}";

    // Types a browser shows without running anything from the file.
    private static readonly HashSet<string> OpenInBrowser = new(StringComparer.OrdinalIgnoreCase)
    {
        "image/png", "image/jpeg", "image/gif", "image/webp", "text/plain",
    };

    /// <summary>Whether a file of this type may open in the browser; all others are only downloaded.</summary>
    public static bool OpensInBrowser(string contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var parsed) && OpenInBrowser.Contains(parsed.MediaType.Value ?? "");

    public static string Link(string reference, int sequence, int position, bool download) =>
        $"{ConsoleRoutes.Incident(reference)}/attachments/{sequence}/{position}{(download ? "?download=1" : "")}";

    public static IEndpointRouteBuilder MapAttachments(this IEndpointRouteBuilder app)
    {
        app.MapGet(Pattern, (Delegate)Serve).RequireAuthorization(TokenAuthentication.Agent);
        return app;
    }

    private static async Task<IResult> Serve(HttpContext context, IGrainFactory grains, string reference, int sequence, int position)
    {
        if (ConsoleTenant.Of(context) is not { } tenant)
        {
            return Results.BadRequest("name the tenant: ?tenant=NAME");
        }

        var attachment = await grains.GetGrain<IIncidentGrain>(IncidentKey.For(tenant, reference)).Attachment(sequence, position);
        if (attachment is null)
        {
            return Results.NotFound($"incident {reference} has no attachment {sequence}/{position}");
        }

        var type = MediaTypeHeaderValue.TryParse(attachment.Info.ContentType, out var parsed) && parsed.SubTypeWithoutSuffix.HasValue
            ? parsed.MediaType.Value!
            : "application/octet-stream";
        var inline = context.Request.Query["download"].Count == 0 && OpenInBrowser.Contains(type);
        var disposition = new ContentDispositionHeaderValue(inline ? "inline" : "attachment");
        disposition.SetHttpFileName(attachment.Info.FileName);
        var headers = context.Response.Headers;
        headers.ContentDisposition = disposition.ToString();
        headers.XContentTypeOptions = "nosniff";
        headers.ContentSecurityPolicy = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox";
        headers.CacheControl = "private, no-store";
        headers["Referrer-Policy"] = "no-referrer";
        // Plain text keeps its charset; every other type is sent as the mail named it, without parameters that could carry anything.
        var contentType = type == "text/plain" && parsed?.Charset.HasValue == true ? $"text/plain; charset={parsed.Charset}" : type;
        return Results.Bytes(attachment.Content, contentType);
    }
}
