using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Hosting;
using Techmail.Hosting;
using Techmail.Silo.Api;
using Techmail.Silo.Http;
using Techmail.Tests.EndToEnd;
using Techmail.Tests.Support;

namespace Techmail.Tests.Api;

/// <summary>
/// The API reference lists every endpoint: the routes of the silo's own HTTP host, walked in its endpoint data
/// sources, are each in the OpenAPI document a silo process serves at /api/v1/openapi.json, with their methods; and the
/// interactive reference at /api/docs reads that document.
/// </summary>
public sealed partial class ApiDocumentTests(SiloProcessFixture fixture) : IClassFixture<SiloProcessFixture>
{
    [Fact]
    public async Task Every_api_route_of_the_silos_http_host_is_in_the_openapi_document_with_its_methods()
    {
        var routes = await ApiRoutes();
        // Enough to know the walk found the API and not an empty host: every area the CLI has is there.
        Assert.True(routes.Count >= 40, $"only {routes.Count} API operations found");
        foreach (var area in new[] { "mailboxes", "incidents", "contacts", "quarantine", "rules", "certificates", "tokens", "audit", "bounces", "status", "webhooks" })
        {
            Assert.Contains(routes, r => r.Path.StartsWith($"{TechmailApi.Prefix}/{area}", StringComparison.Ordinal));
        }

        using var http = new HttpClient { BaseAddress = fixture.Silo.Http };
        // Open like the reference that reads it: it describes the API and holds no tenant's data.
        using var served = await http.GetAsync(TechmailApi.DocumentPath.TrimStart('/'));
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        var document = JsonDocument.Parse(await served.Content.ReadAsStringAsync()).RootElement;
        var paths = document.GetProperty("paths");
        var missing = routes
            .Where(r => !paths.TryGetProperty(r.Path, out var item) || !item.TryGetProperty(r.Method.ToLowerInvariant(), out _))
            .Select(r => $"{r.Method} {r.Path}")
            .ToList();
        Assert.True(missing.Count == 0, "not in the OpenAPI document:\n" + string.Join("\n", missing));
        // And nothing in the document that the host does not serve.
        var documented = paths.EnumerateObject().SelectMany(p => p.Value.EnumerateObject().Select(m => $"{m.Name.ToUpperInvariant()} {p.Name}")).ToHashSet();
        Assert.Equal(routes.Select(r => $"{r.Method} {r.Path}").Order(), documented.Order());

        Assert.Equal("http", document.GetProperty("components").GetProperty("securitySchemes").GetProperty("bearer").GetProperty("type").GetString());
        Assert.Contains("Bearer", document.GetProperty("info").GetProperty("description").GetString());
    }

    [Fact]
    public async Task The_interactive_reference_at_api_docs_reads_the_document()
    {
        using var http = new HttpClient { BaseAddress = fixture.Silo.Http };
        using var page = await http.GetAsync(TechmailApi.ReferencePath.TrimStart('/') + "/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        // Scalar resolves the document from the host's root, and its script is served by the silo, not fetched from a CDN.
        Assert.Contains($"\"url\":\"{TechmailApi.DocumentPath.TrimStart('/')}\"", await page.Content.ReadAsStringAsync());
        using var script = await http.GetAsync(TechmailApi.ReferencePath.TrimStart('/') + "/scalar.js");
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
    }

    /// <summary>
    /// The API's operations as the silo's HTTP host maps them: built (never started) the way the silo's Program builds
    /// it, then walked through its endpoint data sources. The document's own route is the only one left out.
    /// </summary>
    private static async Task<List<(string Method, string Path)>> ApiRoutes()
    {
        using var data = new TempDirectory("techmail-api-routes");
        var options = new TechmailOptions { DataDirectory = data.Path, SiloPort = FreePort.Next(), GatewayPort = FreePort.Next(), HttpPort = FreePort.Next() };
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.UseOrleans(silo => silo.AddTechmail(options).AddTechmailHttp(options));
        builder.AddTechmailHttp(options);
        await using var app = builder.Build();
        app.MapTechmailHttp(options);
        return ((IEndpointRouteBuilder)app).DataSources
            .SelectMany(source => source.Endpoints)
            .OfType<RouteEndpoint>()
            .Select(e => (Path: Template(e.RoutePattern.RawText ?? ""), Methods: e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? []))
            .Where(e => e.Path.StartsWith(TechmailApi.Prefix + "/", StringComparison.Ordinal) && e.Path != TechmailApi.DocumentPath.Replace(TechmailApi.DocumentName, "{documentName}", StringComparison.Ordinal))
            .SelectMany(e => e.Methods.Select(m => (m, e.Path)))
            .ToList();
    }

    /// <summary>A route as OpenAPI writes its path: parameters without their constraints, no trailing slash.</summary>
    private static string Template(string route) => Constraint().Replace(route, "{$1}").TrimEnd('/');

    [GeneratedRegex(@"\{([^}:=?]+)[^}]*\}")]
    private static partial Regex Constraint();
}
