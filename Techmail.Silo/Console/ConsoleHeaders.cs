using Microsoft.AspNetCore.Http;

namespace Techmail.Silo.WebConsole;

/// <summary>
/// The response headers of every console page and the sign-in page. The Content-Security-Policy allows only this
/// host's own stylesheet and script: mail is hostile, and should any of it slip into a page unescaped, the browser
/// still runs no inline script, loads nothing from elsewhere and posts forms only here. Pages are never framed
/// (clickjacking), never cached (they hold a tenant's mail) and send no Referer (references are in the URLs).
/// </summary>
public static class ConsoleHeaders
{
    public const string PagePolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
        + "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    public static void Apply(HttpResponse response)
    {
        response.Headers.ContentSecurityPolicy = PagePolicy;
        response.Headers.CacheControl = "no-store";
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers.XFrameOptions = "DENY";
        response.Headers["Referrer-Policy"] = "no-referrer";
    }
}
