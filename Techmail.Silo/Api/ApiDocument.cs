using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.Routing;
using Microsoft.OpenApi;

namespace Techmail.Silo.Api;

/// <summary>What the OpenAPI document says of the API as a whole: its title, and that every operation takes a bearer token.</summary>
public sealed class ApiDocument : IOpenApiDocumentTransformer
{
    private const string Bearer = "bearer";

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info = new OpenApiInfo
        {
            Title = "Techmail API",
            Version = TechmailApi.DocumentName,
            Description = "Everything the techmail CLI does, over HTTP. Authenticate with a Techmail token as 'Authorization: Bearer TOKEN'; "
                + "a tenant's admin, agent or auditor works in its own tenant, an operator names one with ?tenant= (default 'default'). "
                + "Lists page with ?limit= and ?cursor= (the 'next' of the previous page). Updates of versioned resources need If-Match with the ETag read; "
                + "a stale one is 412. Every error is RFC 9457 problem details.",
        };
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[Bearer] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "A token from 'techmail token create' or POST /api/v1/tokens; the silo writes an operator token to DATA/operator-token.",
        };
        document.Security ??= [];
        document.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(Bearer, document)] = [] });
        return Task.CompletedTask;
    }
}
