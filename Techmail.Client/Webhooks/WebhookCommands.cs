using System.ComponentModel;
using System.Globalization;
using Spectre.Console;
using Spectre.Console.Cli;
using Techmail.Client.Infrastructure;
using Techmail.Webhooks;

namespace Techmail.Client.Webhooks;

public sealed class WebhookAddSettings : GlobalSettings
{
    [CommandArgument(0, "<URL>"), Description("Where events are POSTed (https://...). Loopback and private addresses only when the silo allows them.")]
    public string Url { get; init; } = "";

    [CommandOption("--event <EVENT>"), Description("An event to send (repeat, or comma-separate): incident.created, incident.updated, reply.received, address.invalidated, mailbox.failing, or * for all.")]
    public string[]? Events { get; init; }
}

public sealed class WebhookIdSettings : GlobalSettings
{
    [CommandArgument(0, "<ID>"), Description("The webhook's id, as 'webhook list' prints it (wh_...).")]
    public string Id { get; init; } = "";
}

public sealed class WebhookListSettings : GlobalSettings
{
}

public sealed class WebhookAddCommand : TechmailCommand<WebhookAddSettings>
{
    private WebhookRequest _request = null!;

    protected override void Prepare(WebhookAddSettings o)
    {
        var events = (o.Events ?? []).SelectMany(e => e.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)).ToList();
        if (events.Count == 0)
        {
            throw new CommandFailure($"--event is required: one or more of {string.Join(", ", WebhookEventTypes.All)}, or * for all.", ExitCodes.Usage);
        }

        _request = new WebhookRequest(o.Url, events);
    }

    protected override async Task<int> Run(IClusterClient client, WebhookAddSettings o, CancellationToken cancellationToken)
    {
        var created = await WebhookRendering.Refusals(() => client.GetGrain<IWebhooksGrain>(o.EffectiveTenant).Add(_request));
        if (o.Json)
        {
            Output.WriteJson(new { secret = created.Secret, webhook = WebhookRendering.Json(created.Webhook) });
            return ExitCodes.Ok;
        }

        // The secret alone on standard output, so a script can keep it: it is never shown again.
        Console.WriteLine(created.Secret);
        Console.Error.WriteLine($"techmail: webhook {created.Webhook.Id} added for {string.Join(", ", created.Webhook.Events)}; its secret (above) is shown only this once.");
        return ExitCodes.Ok;
    }
}

public sealed class WebhookListCommand : TechmailCommand<WebhookListSettings>
{
    protected override async Task<int> Run(IClusterClient client, WebhookListSettings o, CancellationToken cancellationToken)
    {
        var webhooks = await client.GetGrain<IWebhooksGrain>(o.EffectiveTenant).List();
        if (o.Json)
        {
            Output.WriteJson(webhooks.Select(WebhookRendering.Json));
            return ExitCodes.Ok;
        }

        if (webhooks.Count == 0)
        {
            Console.WriteLine($"Tenant {TerminalText.Clean(o.EffectiveTenant)} has no webhooks.");
            return ExitCodes.Ok;
        }

        var table = new Table().AddColumns("Id", "URL", "Events", "State", "Queued", "Delivered", "Failed", "Last error");
        foreach (var w in webhooks)
        {
            table.AddRow(
                Output.Escape(w.Id),
                Output.Escape(w.Url),
                Output.Escape(string.Join(", ", w.Events)),
                w.Enabled ? "enabled" : Output.Escape($"disabled: {w.DisabledReason}"),
                w.Deliveries.Queued.ToString("N0", CultureInfo.InvariantCulture),
                w.Deliveries.Delivered.ToString("N0", CultureInfo.InvariantCulture),
                w.Deliveries.Failed.ToString("N0", CultureInfo.InvariantCulture),
                Output.Escape(w.Deliveries.LastError ?? "-"));
        }

        AnsiConsole.Write(table);
        return ExitCodes.Ok;
    }
}

public sealed class WebhookRemoveCommand : TechmailCommand<WebhookIdSettings>
{
    protected override async Task<int> Run(IClusterClient client, WebhookIdSettings o, CancellationToken cancellationToken)
    {
        if (!await client.GetGrain<IWebhooksGrain>(o.EffectiveTenant).Remove(o.Id))
        {
            throw new CommandFailure($"tenant {o.EffectiveTenant} has no webhook '{o.Id}'.", ExitCodes.Refused);
        }

        if (o.Json)
        {
            Output.WriteJson(new { removed = o.Id });
        }
        else
        {
            Console.WriteLine($"removed {TerminalText.Clean(o.Id)}");
        }

        return ExitCodes.Ok;
    }
}

public sealed class WebhookTestCommand : TechmailCommand<WebhookIdSettings>
{
    protected override async Task<int> Run(IClusterClient client, WebhookIdSettings o, CancellationToken cancellationToken)
    {
        var result = await WebhookRendering.Refusals(() => client.GetGrain<IWebhooksGrain>(o.EffectiveTenant).Test(o.Id));
        if (o.Json)
        {
            Output.WriteJson(new
            {
                webhook = result.Webhook,
                eventId = result.EventId,
                delivered = result.Delivered,
                status = result.Status,
                body = result.Body,
                elapsedMs = (long)result.Elapsed.TotalMilliseconds,
                error = result.Error,
            });
        }
        else
        {
            var took = $"{result.Elapsed.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture)} ms";
            Console.WriteLine(result.Status is { } status
                ? $"{TerminalText.Clean(result.Webhook)} answered {status} in {took}{(result.Body is { } body ? $": {TerminalText.Clean(body)}" : "")}"
                : $"{TerminalText.Clean(result.Webhook)} did not answer ({TerminalText.Clean(result.Error ?? "no answer")}) after {took}");
        }

        // A receiver that did not take the ping fails the command, so a script sees it.
        return result.Delivered ? ExitCodes.Ok : ExitCodes.Refused;
    }
}

internal static class WebhookRendering
{
    /// <summary>The engine's refusal of a webhook request, as every command reports one: its line, exit code 1.</summary>
    public static async Task<T> Refusals<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (WebhookException refusal)
        {
            throw new CommandFailure(refusal.Message, ExitCodes.Refused);
        }
    }

    public static object Json(WebhookInfo w) => new
    {
        id = w.Id,
        url = w.Url,
        events = w.Events,
        enabled = w.Enabled,
        disabledReason = w.DisabledReason,
        created = w.Created,
        createdBy = w.CreatedBy,
        deliveries = new { queued = w.Deliveries.Queued, delivered = w.Deliveries.Delivered, failed = w.Deliveries.Failed, lastError = w.Deliveries.LastError },
    };
}
