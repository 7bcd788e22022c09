using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Techmail.Silo.WebConsole;

/// <summary>
/// The console's one stylesheet and one script, embedded in the silo program and served from memory: nothing to
/// deploy beside the program, nothing fetched from another host (the pages' policy allows only this host). Each is
/// sent with a strong ETag of its bytes, so a browser revalidates cheaply and never runs a stale script after an upgrade.
/// </summary>
public static class ConsoleAssets
{
    public const string StylesheetPath = "/console/console.css", ScriptPath = "/console/console.js";

    private static readonly Lazy<Asset> Stylesheet = new(() => Load("console.css", "text/css; charset=utf-8"));
    private static readonly Lazy<Asset> Script = new(() => Load("console.js", "text/javascript; charset=utf-8"));

    public static IEndpointRouteBuilder MapConsoleAssets(this IEndpointRouteBuilder app)
    {
        app.MapGet(StylesheetPath, (HttpContext context) => Serve(context, Stylesheet.Value));
        app.MapGet(ScriptPath, (HttpContext context) => Serve(context, Script.Value));
        return app;
    }

    private static IResult Serve(HttpContext context, Asset asset)
    {
        context.Response.Headers.ETag = asset.ETag;
        context.Response.Headers.CacheControl = "no-cache";
        context.Response.Headers.XContentTypeOptions = "nosniff";
        return context.Request.Headers.IfNoneMatch == asset.ETag
            ? Results.StatusCode(StatusCodes.Status304NotModified)
            : Results.Bytes(asset.Bytes, asset.ContentType);
    }

    private static Asset Load(string name, string contentType)
    {
        using var stream = typeof(ConsoleAssets).Assembly.GetManifestResourceStream($"Techmail.Console.{name}")
            ?? throw new InvalidOperationException($"the console asset {name} is not embedded in the silo program");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        var bytes = copy.ToArray();
        return new Asset(bytes, contentType, $"\"{Convert.ToHexStringLower(SHA256.HashData(bytes))[..32]}\"");
    }

    private sealed record Asset(byte[] Bytes, string ContentType, string ETag);
}
