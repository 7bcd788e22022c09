using System.ComponentModel;
using System.Globalization;
using System.Text;
using Spectre.Console.Cli;
using Techmail.Audit;
using Techmail.Client.Infrastructure;

namespace Techmail.Client.Audit;

public sealed class AuditListSettings : GlobalSettings
{
    [CommandOption("--since <DATE>"), Description("Changes at or after this ISO date or date-time (UTC).")]
    public string? Since { get; init; }

    [CommandOption("--limit <N>"), Description("Newest N (default 100).")]
    public int Limit { get; init; } = 100;
}

/// <summary>
/// The audit log, newest first: one tenant's changes with <c>--tenant</c> (or <c>$TECHMAIL_TENANT</c>), every tenant's
/// without, since the log is mostly read by whoever answers for the whole engine.
/// </summary>
public sealed class AuditListCommand : TechmailCommand<AuditListSettings>
{
    protected override void Prepare(AuditListSettings o)
    {
        if (o.Since is not null && !DateTimeOffset.TryParse(o.Since, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _))
        {
            throw new CommandFailure($"--since '{o.Since}': expected a date such as 2026-11-01 or 2026-11-01T12:00:00Z.");
        }

        if (o.Limit is < 1 or > 10_000)
        {
            throw new CommandFailure($"--limit {o.Limit}: expected 1 to 10000.");
        }
    }

    protected override async Task<int> Run(IClusterClient client, AuditListSettings o, CancellationToken cancellationToken)
    {
        DateTimeOffset? since = o.Since is null ? null : DateTimeOffset.Parse(o.Since, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
        var tenant = o.Tenant ?? Environment.GetEnvironmentVariable("TECHMAIL_TENANT");
        var entries = await client.GetGrain<IAuditLogGrain>(0).List(new AuditQuery(tenant, since, o.Limit));
        if (o.Json)
        {
            Output.WriteJson(entries.Select(e => new
            {
                id = e.Id,
                at = e.At,
                tenant = e.Tenant,
                actor = e.Actor,
                action = e.Action,
                subject = e.Subject,
                changes = AuditChanges.Of(e.Before, e.After),
                before = e.Before,
                after = e.After,
            }));
            return ExitCodes.Ok;
        }

        foreach (var e in entries)
        {
            Console.WriteLine($"{e.At.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z  #{e.Id}  {Clean(e.Tenant)}  {Clean(e.Actor)}  {e.Action}  {Clean(e.Subject)}");
            foreach (var change in AuditChanges.Of(e.Before, e.After))
            {
                Console.WriteLine($"    {Clean(change.Field)}: {Clean(change.Before ?? "-")} -> {Clean(change.After ?? "-")}");
            }
        }

        Console.WriteLine($"{entries.Count} change(s){(tenant is null ? " in every tenant" : $" in tenant '{Clean(tenant)}'")}.");
        return ExitCodes.Ok;
    }

    /// <summary>Names and settings come from admins and mail alike: nothing in them may steer the terminal.</summary>
    private static string Clean(string text)
    {
        var clean = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            clean.Append(char.IsControl(c) ? '?' : c);
        }

        return clean.ToString();
    }
}
