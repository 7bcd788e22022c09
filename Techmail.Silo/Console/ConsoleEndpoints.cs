using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Components.Endpoints;
using Microsoft.AspNetCore.Http;
using Techmail.Access;
using Techmail.Silo.Http;
using Techmail.Silo.WebConsole.Admin;
using Techmail.Silo.WebConsole.Agent;

namespace Techmail.Silo.WebConsole;

/// <summary>
/// The web console on the silo's HTTP host: Razor components rendered on the server as plain HTML (no circuit, no
/// WebAssembly), forms posted with ASP.NET Core's antiforgery token, and a few lines of the console's own script for
/// shortcuts and live updates. Each page names its policy (<see cref="TokenAuthentication.Agent"/>,
/// <see cref="TokenAuthentication.Admin"/>); what a caller may do with engine data is the grains' access filter's
/// to say, through <see cref="GrainCallsAsCaller"/>.
/// </summary>
public static class ConsoleEndpoints
{
    public static IServiceCollection AddTechmailConsole(this IServiceCollection services)
    {
        services.AddRazorComponents();
        services.AddTechmailAdminConsole();
        services.AddAntiforgery(o =>
        {
            o.Cookie.Name = "techmail_antiforgery";
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.HttpOnly = true;
            o.FormFieldName = "__techmail_antiforgery";
        });
        return services;
    }

    /// <summary>After authorization (antiforgery tokens are bound to the signed-in caller the policy found).</summary>
    public static WebApplication UseTechmailConsole(this WebApplication app)
    {
        // Before antiforgery, which reads the form: an oversized post is refused with a page, not cut off by Kestrel.
        app.Use(async (context, next) =>
        {
            if (context.GetEndpoint()?.Metadata.GetMetadata<ComponentTypeMetadata>() is not null && await ConsoleLimits.RefuseOversized(context))
            {
                return;
            }

            await next(context);
        });
        app.UseAntiforgery();
        app.Use((context, next) =>
        {
            if (context.GetEndpoint()?.Metadata.GetMetadata<ComponentTypeMetadata>() is not null)
            {
                ConsoleHeaders.Apply(context.Response);
            }

            return next(context);
        });
        return app;
    }

    public static WebApplication MapTechmailConsole(this WebApplication app)
    {
        app.MapGet(ConsoleRoutes.Home, (Delegate)Landing);
        app.MapConsoleAssets();
        app.MapIncidentEvents();
        app.MapAttachments();
        app.MapRazorComponents<ConsoleApp>();
        return app;
    }

    /// <summary>The console's front door: the sign-in when nobody is signed in, else the home of the caller's role.</summary>
    private static async Task<IResult> Landing(HttpContext context)
    {
        var signedIn = await context.AuthenticateAsync(TokenAuthentication.Scheme);
        var caller = signedIn.Succeeded ? HttpCaller.Of(signedIn.Principal) : null;
        context.Response.Headers.CacheControl = "no-store";
        return Results.Redirect(caller switch
        {
            null => SignInEndpoints.Path,
            { Role: Role.Agent or Role.Auditor } => ConsoleRoutes.Queue,
            _ => ConsoleRoutes.AdminHome,
        });
    }
}
