using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Techmail.Access;

namespace Techmail.Silo.Http;

/// <summary>
/// The one way the HTTP host's pages and API reach grains: every grain call a request makes carries the caller
/// <see cref="TokenAuthentication"/> verified for it, and the silos' <see cref="AccessFilter"/> checks that caller's
/// permission exactly as for the CLI's calls (the method's declared permission, for the tenant it is about). Endpoints
/// never check roles themselves for engine data; a refusal comes back as an <see cref="AccessDeniedException"/>.
/// A request with no verified caller carries none, and every Techmail method then refuses it.
/// </summary>
public static class GrainCallsAsCaller
{
    /// <summary>After authentication: the request's async flow gets the caller in its Orleans request context.</summary>
    public static IApplicationBuilder UseGrainCallsAsCaller(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            // Request context is async-local: what is set here flows into the endpoint's calls and ends with the request.
            RequestContext.Remove(Caller.ContextKey);
            RequestContext.Remove(AccessContext.TokenKey);
            RequestContext.Set(AccessContext.CheckCallerKey, true);
            if (context.Caller() is { } caller)
            {
                RequestContext.Set(Caller.ContextKey, caller);
            }

            await next(context);
        });
}
