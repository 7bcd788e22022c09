using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Techmail.Hosting;
using Techmail.Silo.Webhooks;
using Techmail.Tests.Support;
using Techmail.Webhooks;

namespace Techmail.Tests.Webhooks;

/// <summary>
/// The <c>/webhooks</c> endpoints as the API maps them under its group, served by Kestrel and calling a real silo
/// (in process, on SQLite) with the operator's identity; a real receiver answers the test ping. Who may call them is
/// the access filter's, tested with the other access rules; here: routes, bodies, status codes and problem details.
/// </summary>
public sealed class WebhookEndpointsTests
{
    [Fact]
    public async Task Webhooks_are_added_listed_tested_and_removed_over_http_and_refusals_name_the_field()
    {
        using var data = new TempDirectory("techmail-webhook-http");
        await using var receiver = await WebhookReceiver.Start();
        var cluster = await TechmailTestCluster.Start(new TechmailOptions { DataDirectory = data.Path, Webhooks = new WebhookPolicy { AllowPrivateAddresses = true } });
        try
        {
            var port = FreePort.Next();
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));
            builder.Logging.ClearProviders();
            builder.Services.AddSingleton<IGrainFactory>(cluster.Client);
            builder.Services.AddProblemDetails();
            await using var app = builder.Build();
            app.MapGroup("/api/v1").MapWebhookApi();
            await app.StartAsync();
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/api/v1/") };

            var added = await http.PostAsJsonAsync("webhooks", new { url = receiver.Url, events = new[] { "incident.created", "reply.received" } });
            Assert.Equal(HttpStatusCode.Created, added.StatusCode);
            var body = JsonDocument.Parse(await added.Content.ReadAsStringAsync()).RootElement;
            var id = body.GetProperty("webhook").GetProperty("id").GetString()!;
            Assert.StartsWith("whsec_", body.GetProperty("secret").GetString());
            Assert.Equal($"/api/v1/webhooks/{id}", added.Headers.Location?.OriginalString);

            var refused = await http.PostAsJsonAsync("webhooks", new { url = "ftp://example.com/", events = new[] { "incident.created" } });
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            var problem = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement;
            Assert.Contains("is not an absolute http or https URL", problem.GetProperty("errors").GetProperty("url")[0].GetString());
            var noEvents = await http.PostAsJsonAsync("webhooks", new { url = receiver.Url, events = Array.Empty<string>() });
            Assert.True(JsonDocument.Parse(await noEvents.Content.ReadAsStringAsync()).RootElement.GetProperty("errors").TryGetProperty("events", out _));

            var listed = JsonDocument.Parse(await http.GetStringAsync("webhooks")).RootElement;
            var only = Assert.Single(listed.EnumerateArray());
            Assert.Equal((id, receiver.Url), (only.GetProperty("id").GetString(), only.GetProperty("url").GetString()));
            Assert.False(only.TryGetProperty("secret", out _));
            Assert.Equal(0, only.GetProperty("deliveries").GetProperty("queued").GetInt64());

            var test = JsonDocument.Parse(await (await http.PostAsync($"webhooks/{id}/test", null)).Content.ReadAsStringAsync()).RootElement;
            Assert.Equal((true, 200), (test.GetProperty("delivered").GetBoolean(), test.GetProperty("status").GetInt32()));
            Assert.Equal(WebhookEventTypes.Ping, Assert.Single(receiver.Received).EventType);
            Assert.Equal(HttpStatusCode.NotFound, (await http.PostAsync("webhooks/wh_nosuchhook/test", null)).StatusCode);

            Assert.Equal(HttpStatusCode.NoContent, (await http.DeleteAsync($"webhooks/{id}")).StatusCode);
            var gone = await http.DeleteAsync($"webhooks/{id}");
            Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
            Assert.Equal("application/problem+json", gone.Content.Headers.ContentType?.MediaType);
            Assert.Empty(JsonDocument.Parse(await http.GetStringAsync("webhooks")).RootElement.EnumerateArray());
            await app.StopAsync();
        }
        finally
        {
            await cluster.DisposeAsync();
            SqliteConnection.ClearAllPools();
        }
    }
}
