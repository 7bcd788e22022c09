using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Techmail.Connections;
using Techmail.Mailboxes;

namespace Techmail.Silo.Api;

/// <summary>A device flow the API started: what the person must open and type, and where to ask how it went.</summary>
public sealed record DeviceConnectStarted(string Name, DeviceAuthorization Authorization, string StepUrl);

/// <summary>
/// Connecting a mailbox that logs in by a person's consent, as <c>techmail mailbox connect</c> does: the device flow
/// (RFC 8628) started and then asked after at the provider's pace. The caller does the waiting the command does; the
/// silo keeps the flow's device code and, once approved, the grant, so neither ever reaches the caller. The grant's
/// state is in the mailbox's status (<c>status.grant</c>). The redirect flow is the console's Connect button, since it
/// needs a browser that comes back to the silo.
/// </summary>
public static class ConnectionEndpoints
{
    public static RouteGroupBuilder MapConnectionApi(this RouteGroupBuilder api)
    {
        var device = api.MapGroup("/mailboxes/{name}/connect/device").WithTags("Mailboxes");
        device.MapPost("", Start)
            .WithSummary("Start the device flow for a delegated-consent mailbox: the page and code to show the person who approves; replaces a flow begun earlier");
        device.MapPost("/step", Step)
            .WithSummary("Ask the provider once whether the person approved; call no more often than the answer's interval; Connected means the grant is stored");
        return api;
    }

    private static IMailboxGrantGrain Grant(IGrainFactory grains, HttpContext context, string? tenant, string name) =>
        grains.GetGrain<IMailboxGrantGrain>(MailboxKey.For(ApiRequest.Tenant(context, tenant), name));

    private static async Task<Accepted<DeviceConnectStarted>> Start(string name, string? tenant, HttpContext context, IGrainFactory grains)
    {
        var authorization = await Grant(grains, context, tenant, name).StartDeviceConnect();
        // The tenant the request named goes along, so an operator following the step URL asks about the same mailbox.
        var step = $"/api/v1/mailboxes/{Uri.EscapeDataString(name)}/connect/device/step"
            + (tenant is null ? "" : $"?tenant={Uri.EscapeDataString(tenant)}");
        return TypedResults.Accepted(step, new DeviceConnectStarted(name, authorization, step));
    }

    private static async Task<Ok<DeviceConnectStep>> Step(string name, string? tenant, HttpContext context, IGrainFactory grains) =>
        TypedResults.Ok(await Grant(grains, context, tenant, name).ContinueDeviceConnect());
}
