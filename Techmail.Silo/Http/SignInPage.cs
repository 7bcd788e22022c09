using System.Net;
using Microsoft.AspNetCore.Http;

namespace Techmail.Silo.Http;

/// <summary>
/// The one small page a browser sees before it is signed in: a form that posts a token (never in the URL, where it
/// would stay in history, proxies' logs and Referer headers) to <see cref="SignInEndpoints.Path"/>.
/// </summary>
public static class SignInPage
{
    /// <summary>Where the sign-in returns to when nothing (or nothing safe) is asked for.</summary>
    public const string DefaultReturn = SiloHttp.Dashboard;

    /// <summary>The page that asked for a sign-in, to come back to.</summary>
    public static string ReturnPathOf(HttpRequest request) => SafeReturn(request.PathBase + request.Path + request.QueryString);

    /// <summary>A path on this host only: anything else (another host, <c>//host</c>, a scheme) returns to the default.</summary>
    public static string SafeReturn(string? path) =>
        path is { Length: > 0 and <= 2048 } p && p[0] == '/' && !p.StartsWith("//", StringComparison.Ordinal) && !p.StartsWith("/\\", StringComparison.Ordinal)
        && !p.Any(char.IsControl)
            ? p
            : DefaultReturn;

    public static async Task Write(HttpContext context, string? returnPath, string? message)
    {
        var response = context.Response;
        response.ContentType = "text/html; charset=utf-8";
        response.Headers.CacheControl = "no-store";
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers["Referrer-Policy"] = "no-referrer";
        // Nothing to load, no script, posts only to this host, never framed (a framed form invites clickjacking).
        response.Headers.ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'";
        var notice = message is null ? "" : $"<p class=\"notice\">{WebUtility.HtmlEncode(message)}</p>";
        var form = returnPath is null
            ? ""
            : $"""
              <form method="post" action="{SignInEndpoints.Path}">
                <label for="token">Operator token</label>
                <input id="token" name="token" type="password" autocomplete="off" required autofocus>
                <input type="hidden" name="return" value="{WebUtility.HtmlEncode(returnPath)}">
                <button type="submit">Sign in</button>
              </form>
              <p class="hint">The silo wrote one to DATA/operator-token at its first start.</p>
              """;
        await response.WriteAsync($$"""
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <title>Techmail: sign in</title>
            <style>
            body { font-family: system-ui, sans-serif; max-width: 28em; margin: 4em auto; padding: 0 1em; }
            label, input, button { display: block; width: 100%; margin: .4em 0; font-size: 1em; }
            .notice { color: #a00; } .hint { color: #555; font-size: .9em; }
            </style>
            </head>
            <body>
            <h1>Techmail</h1>
            {{notice}}
            {{form}}
            </body>
            </html>
            """);
    }
}
