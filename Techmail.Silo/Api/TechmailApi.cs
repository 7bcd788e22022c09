using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Scalar.AspNetCore;
using Techmail.Silo.Http;
using Techmail.Silo.Mailings;
using Techmail.Silo.Webhooks;

namespace Techmail.Silo.Api;

/// <summary>
/// The HTTP API under <c>/api/v1</c>: everything the CLI does, on the grain calls the CLI makes. Every request is
/// authenticated by <see cref="TokenAuthentication.BearerScheme"/>: a bearer token only, never the console's session
/// cookie, so another page cannot make a signed-in browser change anything here (the console posts its own forms under
/// antiforgery and never calls the API); what the caller
/// may do is decided by the silo's access filter at each grain call (<see cref="GrainCallsAsCaller"/>), never here, and
/// every refusal or error is answered as RFC 9457 problem details by <see cref="ApiProblems"/>. The OpenAPI document is
/// at <see cref="DocumentPath"/>, the interactive reference at <see cref="ReferencePath"/>.
/// </summary>
public static class TechmailApi
{
    public const string Prefix = "/api/v1";
    public const string DocumentName = "v1";
    public const string DocumentPath = "/api/v1/openapi.json";
    public const string ReferencePath = "/api/docs";

    /// <summary>Any verified caller: what one may then do is the grain's declared permission, checked at the call.</summary>
    public const string Policy = "techmail-api";

    public static IServiceCollection AddTechmailApi(this IServiceCollection services)
    {
        services.AddProblemDetails();
        // Enums travel by name, as the CLI's --json writes them ("Service", "Pop3"), and are read in any case.
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new JsonStringEnumConverter()));
        services.AddAuthorizationBuilder().AddPolicy(Policy, policy => policy
            .AddAuthenticationSchemes(TokenAuthentication.BearerScheme)
            .RequireAuthenticatedUser());
        services.AddOpenApi(DocumentName, o =>
        {
            // The API's document: health, metrics, sign-in and the dashboard are the host's, not the API's.
            o.ShouldInclude = description => description.RelativePath?.StartsWith(Prefix.TrimStart('/') + "/", StringComparison.Ordinal) == true;
            o.AddDocumentTransformer<ApiDocument>();
        });
        return services;
    }

    public static IEndpointRouteBuilder MapTechmailApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup(Prefix)
            .RequireAuthorization(Policy)
            .AddEndpointFilter(ApiProblems.Filter)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden);
        api.MapMailboxApi()
            .MapConnectionApi()
            .MapIncidentApi()
            .MapContactApi()
            .MapQuarantineApi()
            .MapRuleApi()
            .MapCertificateApi()
            .MapTokenApi()
            .MapAuditApi()
            .MapWebhookApi()
            .MapMailingApi();

        // A path the API does not have is answered as every other error is, not with an empty 404. Left out of the
        // document: it is no operation.
        api.MapFallback((HttpContext context) => ApiProblems.NotFound(
                $"the API has no {context.Request.Method} {context.Request.Path}; the reference at {ReferencePath}/ lists every endpoint."))
            .ExcludeFromDescription();

        // The document and its reader are open: they describe the API, they hold no tenant's data.
        app.MapOpenApi(DocumentPath.Replace(DocumentName, "{documentName}", StringComparison.Ordinal));
        app.MapScalarApiReference(ReferencePath, o => o
            .WithTitle("Techmail API")
            .AddDocument(DocumentName, "Techmail API v1", DocumentPath));
        return app;
    }
}
