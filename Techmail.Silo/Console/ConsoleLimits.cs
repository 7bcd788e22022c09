using Microsoft.AspNetCore.Http;

namespace Techmail.Silo.WebConsole;

/// <summary>How much a console form may send: a reply's files, and the whole post around them.</summary>
public static class ConsoleLimits
{
    /// <summary>The files of one reply together; mail relays commonly refuse much more than this.</summary>
    public const long ReplyFiles = 20L * 1024 * 1024;

    /// <summary>A whole post: the files and the text and fields beside them.</summary>
    public const long Post = ReplyFiles + 1024 * 1024;

    public static string Megabytes(long bytes) => $"{bytes / (1024.0 * 1024):0.#} MB";

    /// <summary>
    /// Refuses a post larger than <see cref="Post"/> before its body is read, with a page that says so (the browser's
    /// back button returns to the form with the text still typed); the console's script warns before sending one.
    /// </summary>
    public static async Task<bool> RefuseOversized(HttpContext context)
    {
        if (!HttpMethods.IsPost(context.Request.Method) || context.Request.ContentLength is not > Post)
        {
            return false;
        }

        context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
        context.Response.ContentType = "text/html; charset=utf-8";
        ConsoleHeaders.Apply(context.Response);
        await context.Response.WriteAsync($$"""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Too large · Techmail</title><link rel="stylesheet" href="{{ConsoleAssets.StylesheetPath}}"></head>
            <body class="signin"><main class="card"><h1>Too large</h1>
            <p class="notice" role="alert">The form and its files come to {{Megabytes(context.Request.ContentLength.Value)}}; the console takes at most {{Megabytes(ReplyFiles)}} of files. Nothing was sent.</p>
            <p>Go back, remove a file or send it another way, and send again.</p></main></body></html>
            """);
        return true;
    }
}
