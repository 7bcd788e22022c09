using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using Techmail.Access;
using Techmail.Client.Infrastructure;
using Techmail.Client.Mailboxes;

namespace Techmail.Client.Tokens;

public sealed class TokenCreateSettings : GlobalSettings
{
    [CommandOption("--name <NAME>"), Description("Name of the token, unique among the tenant's live tokens; shown in the audit log.")]
    public string? Name { get; init; }

    [CommandOption("--role <ROLE>"), Description("admin (settings and tokens), agent (incidents, contacts, replies) or auditor (reading).")]
    public string? Role { get; init; }

    [CommandOption("--secrets"), Description("An admin token that may also export mailbox secrets in clear.")]
    public bool Secrets { get; init; }

    [CommandOption("--expires <DURATION>"), Description("Lifetime such as 90d or 12h; without it the token lasts until revoked.")]
    public string? Expires { get; init; }
}

public sealed class TokenListSettings : GlobalSettings
{
    [CommandOption("--operators"), Description("The operators' tokens (the silos' DATA/operator-token files) instead of the tenant's.")]
    public bool Operators { get; init; }

    public string GrainKey => Operators ? ITokenGrain.Operators : EffectiveTenant;
}

public sealed class TokenNameSettings : GlobalSettings
{
    [CommandArgument(0, "<NAME>"), Description("The token's name, as 'token list' prints it.")]
    public string Name { get; init; } = "";

    [CommandOption("--operator"), Description("NAME is an operator's token (see 'token list --operators').")]
    public bool Operator { get; init; }

    public string GrainKey => Operator ? ITokenGrain.Operators : EffectiveTenant;
}

public sealed class TokenCreateCommand : TechmailCommand<TokenCreateSettings>
{
    private TokenRequest _request = null!;

    protected override void Prepare(TokenCreateSettings o)
    {
        var name = o.Name ?? throw new CommandFailure("--name is required: the token's name, shown in 'token list' and the audit log.");
        var role = o.Role?.ToLowerInvariant() switch
        {
            "admin" => Access.Role.Admin,
            "agent" => Access.Role.Agent,
            "auditor" => Access.Role.Auditor,
            null => throw new CommandFailure("--role is required: admin, agent or auditor."),
            _ => throw new CommandFailure($"--role must be admin, agent or auditor, not '{o.Role}'."),
        };
        var expires = o.Expires is null ? (DateTimeOffset?)null : DateTimeOffset.UtcNow + MailboxSettingsBuilder.ParseDuration("--expires", o.Expires);
        _request = new TokenRequest(name, role, o.Secrets, expires);
    }

    protected override async Task<int> Run(IClusterClient client, TokenCreateSettings o, CancellationToken cancellationToken)
    {
        var issued = await client.GetGrain<ITokenGrain>(o.EffectiveTenant).Create(_request);
        if (o.Json)
        {
            Output.WriteJson(new { token = issued.Token, info = TokenRendering.Json(issued.Info) });
            return ExitCodes.Ok;
        }

        Console.WriteLine(issued.Token);
        Console.Error.WriteLine($"techmail: token {issued.Info.Name} ({TokenRendering.Grants(issued.Info)}) created; it is shown only this once.");
        return ExitCodes.Ok;
    }
}

public sealed class TokenListCommand : TechmailCommand<TokenListSettings>
{
    protected override async Task<int> Run(IClusterClient client, TokenListSettings o, CancellationToken cancellationToken)
    {
        var tokens = await client.GetGrain<ITokenGrain>(o.GrainKey).List();
        if (o.Json)
        {
            Output.WriteJson(tokens.Select(TokenRendering.Json));
            return ExitCodes.Ok;
        }

        var table = new Table().AddColumns("Name", "Grants", "Created", "Expires", "Revoked", "Created by");
        foreach (var t in tokens)
        {
            table.AddRow(
                Output.Escape(t.Name),
                TokenRendering.Grants(t),
                $"{t.Created:u}",
                t.Expires is { } e ? $"{e:u}" : "-",
                t.Revoked is { } r ? $"{r:u}" : "-",
                Output.Escape(t.CreatedBy));
        }

        AnsiConsole.Write(table);
        return ExitCodes.Ok;
    }
}

public sealed class TokenRevokeCommand : TechmailCommand<TokenNameSettings>
{
    protected override async Task<int> Run(IClusterClient client, TokenNameSettings o, CancellationToken cancellationToken)
    {
        if (!await client.GetGrain<ITokenGrain>(o.GrainKey).Revoke(o.Name))
        {
            var whose = o.Operator ? "the operators have" : $"tenant {o.EffectiveTenant} has";
            throw new CommandFailure($"{whose} no live token named '{o.Name}'.", ExitCodes.Refused);
        }

        if (o.Json)
        {
            Output.WriteJson(new { revoked = o.Name });
        }
        else
        {
            Console.WriteLine($"revoked {o.Name}");
        }

        return ExitCodes.Ok;
    }
}

internal static class TokenRendering
{
    public static string Grants(TokenInfo t) =>
        $"{t.Role.ToString().ToLowerInvariant()}{(t.Tenant is null ? "" : $" of {t.Tenant}")}{(t.ReadSecrets && t.Role != Role.Operator ? ", secrets" : "")}";

    public static object Json(TokenInfo t) => new
    {
        name = t.Name,
        tenant = t.Tenant,
        role = t.Role.ToString().ToLowerInvariant(),
        secrets = t.ReadSecrets,
        created = t.Created,
        expires = t.Expires,
        revoked = t.Revoked,
        createdBy = t.CreatedBy,
    };
}
