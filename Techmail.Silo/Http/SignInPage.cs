using System.Net;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http;
using Techmail.Silo.WebConsole;

namespace Techmail.Silo.Http;

/// <summary>
/// The one small page a browser sees before it is signed in: a form that posts a token (never in the URL, where it
/// would stay in history, proxies' logs and Referer headers) to <see cref="SignInEndpoints.Path"/>, with an
/// antiforgery token so another site cannot sign a browser in under a token of its choosing.
/// </summary>
public static class SignInPage
{
    /// <summary>Where the sign-in returns to when nothing (or nothing safe) is asked for: the console, which sends each role on.</summary>
    public const string DefaultReturn = "/";

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
        var antiforgery = context.RequestServices.GetRequiredService<IAntiforgery>().GetAndStoreTokens(context);
        response.ContentType = "text/html; charset=utf-8";
        ConsoleHeaders.Apply(response);
        var notice = message is null ? "" : $"<p class=\"notice\" role=\"alert\">{WebUtility.HtmlEncode(message)}</p>";
        // No return path: a refusal of someone signed in (403), who needs a way back rather than another sign-in.
        var form = returnPath is null
            ? $"""<p><a href="{ConsoleRoutes.Home}">Back to the console</a></p>"""
            : $"""
              <form method="post" action="{SignInEndpoints.Path}">
                <label for="token">Token</label>
                <input id="token" name="token" type="password" autocomplete="off" required autofocus>
                <input type="hidden" name="return" value="{WebUtility.HtmlEncode(returnPath)}">
                <input type="hidden" name="{WebUtility.HtmlEncode(antiforgery.FormFieldName)}" value="{WebUtility.HtmlEncode(antiforgery.RequestToken)}">
                <button type="submit">Sign in</button>
              </form>
              <p class="hint">Your own token, or the operator's: the silo wrote one to DATA/operator-token at its first start.</p>
              """;
        if (returnPath is not null && context.RequestServices.GetService<OpenIdConnect.OidcSettings>() is { } oidc)
        {
            // The organisation's own sign-in, when configured, beside the token form.
            var to = $"{OpenIdConnect.OidcSignIn.Path}?return={Uri.EscapeDataString(returnPath)}";
            form += $"<p class=\"or\">or</p><p><a class=\"button\" href=\"{WebUtility.HtmlEncode(to)}\">Sign in with {WebUtility.HtmlEncode(oidc.DisplayName)}</a></p>";
        }

        await response.WriteAsync($$"""
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Techmail: sign in</title>
            <link rel="stylesheet" href="{{ConsoleAssets.StylesheetPath}}">
            </head>
            <body class="signin">
            <main class="card">
            <h1>Techmail</h1>
            {{notice}}
            {{form}}
            </main>
            </body>
            </html>
            """);
    }
}
