using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Techmail.Incidents;
using Techmail.Silo.Http;

namespace Techmail.Silo.WebConsole.Agent;

/// <summary>
/// Server-sent events of the tenant's incidents as they are created or change, for the console's pages to update
/// without reloading: one <c>incident</c> event per changed incident (its reference, status and updated time), a
/// <c>restart</c> event when the page should read everything again. Each event's id is the feed position, so a
/// browser that reconnects (it does so by itself) continues where it was. A stream ends after a few minutes and the
/// browser reconnects: the session is checked again then, so a revoked token stops its stream too.
/// </summary>
public static class IncidentEvents
{
    public const string Path = ConsoleRoutes.Queue + "/events";

    private static readonly TimeSpan StreamLifetime = TimeSpan.FromMinutes(5), Wait = TimeSpan.FromSeconds(20);
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static IEndpointRouteBuilder MapIncidentEvents(this IEndpointRouteBuilder app)
    {
        app.MapGet(Path, Stream).RequireAuthorization(TokenAuthentication.Agent);
        return app;
    }

    private static async Task Stream(HttpContext context, IGrainFactory grains, IHostApplicationLifetime host)
    {
        if (ConsoleTenant.Of(context) is not { } tenant)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await context.Response.WriteAsync("name the tenant: ?tenant=NAME");
            return;
        }

        var feed = grains.GetGrain<IIncidentFeedGrain>(tenant);
        // Where to continue: the browser's last event on a reconnect, else the position the page was rendered at.
        var position = FeedPosition.Parse(context.Request.Headers["Last-Event-ID"].ToString())
            ?? FeedPosition.Parse(context.Request.Query["after"].ToString())
            ?? await feed.Position();
        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-store";
        response.Headers["X-Accel-Buffering"] = "no";
        // A browser that loses the connection tries again after this long.
        await response.WriteAsync("retry: 3000\n\n", context.RequestAborted);
        await response.Body.FlushAsync(context.RequestAborted);

        // A stopping silo ends its streams at once rather than waiting out its shutdown for them; browsers reconnect elsewhere.
        using var lifetime = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, host.ApplicationStopping);
        lifetime.CancelAfter(StreamLifetime);
        try
        {
            while (!lifetime.IsCancellationRequested)
            {
                var activity = await feed.After(position, Wait).WaitAsync(lifetime.Token);
                position = activity.Position;
                if (activity.Restart)
                {
                    await Send(response, "restart", position, "{}", lifetime.Token);
                }

                foreach (var incident in activity.Changed)
                {
                    var data = JsonSerializer.Serialize(new { incident.Reference, Status = incident.Status.ToString().ToLowerInvariant(), incident.Updated }, Json);
                    await Send(response, "incident", position, data, lifetime.Token);
                }

                if (!activity.Restart && activity.Changed.Count == 0)
                {
                    // A comment line keeps proxies from closing a quiet stream.
                    await response.WriteAsync(": quiet\n\n", lifetime.Token);
                }

                await response.Body.FlushAsync(lifetime.Token);
            }
        }
        catch (OperationCanceledException) when (lifetime.IsCancellationRequested)
        {
            // The browser left, or the stream's time is up: it reconnects by itself.
        }
    }

    private static Task Send(HttpResponse response, string name, FeedPosition position, string data, CancellationToken cancellationToken) =>
        response.WriteAsync($"id: {position}\nevent: {name}\ndata: {data}\n\n", cancellationToken);
}
