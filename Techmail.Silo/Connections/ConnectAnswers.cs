using System.Net;
using Microsoft.AspNetCore.Http;
using Techmail.Access;
using Techmail.Connections;
using Techmail.Silo.Http;
using Techmail.Silo.WebConsole;
using Techmail.Silo.WebConsole.Admin;

namespace Techmail.Silo.Connections;

/// <summary>
/// What the connect endpoints answer: a page to a browser (the console's button), JSON to anything else (scripts, the
/// HTTP tests). A browser is always given the way back to the mailbox's page in the console.
/// </summary>
public static class ConnectAnswers
{
    /// <summary>The mailbox page's <c>?saved=</c> value that makes it say the mailbox was just connected.</summary>
    public const string ConnectedNotice = "connected";

    /// <summary>The mailbox's console page, keeping the tenant in the address for an operator (who belongs to none).</summary>
    public static string MailboxPage(string tenant, string mailbox, Caller? caller, string? saved = null)
    {
        var query = new List<string>();
        if (saved is not null)
        {
            query.Add($"saved={Uri.EscapeDataString(saved)}");
        }

        if (caller is { Tenant: null })
        {
            query.Add($"{ConsoleTenant.Parameter}={Uri.EscapeDataString(tenant)}");
        }

        return AdminRoutes.Mailbox(mailbox) + (query.Count == 0 ? "" : "?" + string.Join('&', query));
    }

    /// <summary>
    /// Connected: a browser goes on to the mailbox page, which says so. Not by a redirect: the session cookie is
    /// SameSite=Strict, and a redirect chain that began at the provider's site is cross-site, so the mailbox page would
    /// not get it and would ask to sign in again; a navigation from this page of our own is same-site.
    /// </summary>
    public static IResult Connected(HttpContext context, string tenant, string mailbox, Caller caller, GrantStatus grant)
    {
        if (!TokenAuthentication.WantsPage(context.Request))
        {
            return Results.Json(new { tenant, mailbox, connected = true, grant });
        }

        var to = WebUtility.HtmlEncode(MailboxPage(tenant, mailbox, caller, ConnectedNotice));
        var text = WebUtility.HtmlEncode($"Mailbox '{mailbox}' is connected{(grant.Account is { } account ? $" as {account}" : "")}.");
        return Page(context, StatusCodes.Status200OK, "connected",
            $"""<meta http-equiv="refresh" content="0;url={to}">""",
            $"""<p role="status">{text} <a href="{to}">Back to the mailbox</a>.</p>""");
    }

    /// <summary>A refusal: its one line, and for a browser the link back to the mailbox page when the mailbox is known.</summary>
    public static IResult Problem(HttpContext context, int status, string message, (string Tenant, string Mailbox)? back = null)
    {
        if (!TokenAuthentication.WantsPage(context.Request))
        {
            return Results.Json(new { error = message }, statusCode: status);
        }

        var link = back is { } b
            ? $""" <a href="{WebUtility.HtmlEncode(MailboxPage(b.Tenant, b.Mailbox, context.Caller()))}">Back to the mailbox</a>."""
            : "";
        return Page(context, status, "not connected", "", $"""<p role="alert">{WebUtility.HtmlEncode(message)}{link}</p>""");
    }

    private static IResult Page(HttpContext context, int status, string title, string head, string body)
    {
        ConsoleHeaders.Apply(context.Response);
        return Results.Content(
            $"""
            <!DOCTYPE html>
            <html lang="en">
            <head><meta charset="utf-8">{head}<title>Techmail: {title}</title><link rel="stylesheet" href="{ConsoleAssets.StylesheetPath}"></head>
            <body><main>{body}</main></body>
            </html>
            """,
            "text/html; charset=utf-8",
            statusCode: status);
    }
}
