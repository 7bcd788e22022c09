using Microsoft.AspNetCore.Http;
using Techmail.Silo.Http;

namespace Techmail.Silo.WebConsole;

/// <summary>
/// The tenant a console request works in: the caller's own; an operator, who belongs to none, names one with
/// <c>?tenant=</c>. Whether the caller may work there is the access filter's to say on each grain call.
/// </summary>
public static class ConsoleTenant
{
    public const string Parameter = "tenant";

    public static string? Of(HttpContext context) =>
        context.Caller() is not { } caller ? null
        : caller.Tenant ?? (context.Request.Query[Parameter].ToString() is { Length: > 0 } named && Mailboxes.MailboxKey.IsValidName(named) ? named : null);

    /// <summary>A console link that keeps an operator's chosen tenant.</summary>
    public static string Keep(HttpContext context, string path) =>
        context.Caller() is { Tenant: null } && Of(context) is { } tenant
            ? $"{path}{(path.Contains('?') ? '&' : '?')}{Parameter}={Uri.EscapeDataString(tenant)}"
            : path;
}
