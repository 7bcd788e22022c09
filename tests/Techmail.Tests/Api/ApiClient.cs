using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Techmail.Tests.Support;

namespace Techmail.Tests.Api;

/// <summary>
/// A script's view of a silo's HTTP API: requests under <c>/api/v1/</c> with a bearer token (or none, or only a signed-in
/// browser's cookie, as another page could make it send), and the checks
/// every test makes of an answer (its status, a JSON body, RFC 9457 problem details).
/// </summary>
public sealed class ApiClient : IDisposable
{
    /// <summary>The API's JSON: camelCase, enums by name, as the silo writes it.</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    private readonly HttpClient _http;
    private readonly string? _token, _cookie;

    public ApiClient(SiloProcess silo, string? token, string? cookie = null)
    {
        _http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false })
        {
            BaseAddress = new Uri(silo.Http, "api/v1/"),
            Timeout = TimeSpan.FromSeconds(60),
        };
        _token = token;
        _cookie = cookie;
    }

    /// <summary>The operator token the silo wrote at its start.</summary>
    public static ApiClient Operator(SiloProcess silo) => new(silo, File.ReadAllText(silo.OperatorTokenFile).Trim());

    public Task<HttpResponseMessage> Send(HttpMethod method, string path, HttpContent? content = null, string? ifMatch = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = content };
        if (_token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token);
        }

        if (_cookie is not null)
        {
            request.Headers.Add("Cookie", _cookie);
        }

        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        return _http.SendAsync(request);
    }

    public Task<HttpResponseMessage> Get(string path) => Send(HttpMethod.Get, path);

    public Task<HttpResponseMessage> Post(string path, object? body = null, string? ifMatch = null) =>
        Send(HttpMethod.Post, path, body is null ? null : JsonContent.Create(body, options: Json), ifMatch);

    public Task<HttpResponseMessage> Put(string path, object body, string? ifMatch = null) =>
        Send(HttpMethod.Put, path, JsonContent.Create(body, options: Json), ifMatch);

    public Task<HttpResponseMessage> Patch(string path, object body, string? ifMatch = null) =>
        Send(HttpMethod.Patch, path, JsonContent.Create(body, options: Json), ifMatch);

    public Task<HttpResponseMessage> Delete(string path, string? ifMatch = null) => Send(HttpMethod.Delete, path, null, ifMatch);

    /// <summary>GET that must answer 200: its JSON body.</summary>
    public async Task<JsonElement> Ok(string path) => await Body(await Get(path), HttpStatusCode.OK);

    /// <summary>A token of <paramref name="role"/> in <paramref name="tenant"/>, made through the API (the caller must be allowed to).</summary>
    public async Task<string> CreateToken(string tenant, string role, string name)
    {
        var created = await Body(await Post($"tokens?tenant={tenant}", new { name, role }), HttpStatusCode.Created);
        return created.GetProperty("token").GetString()!;
    }

    /// <summary>Asserts the status and returns the JSON body.</summary>
    public static async Task<JsonElement> Body(HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Asserts an RFC 9457 answer with this status and returns it.</summary>
    public static async Task<JsonElement> Problem(HttpResponseMessage response, HttpStatusCode status)
    {
        var problem = await Body(response, status);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("title").GetString()));
        return problem;
    }

    public static string ETag(HttpResponseMessage response) =>
        response.Headers.ETag?.ToString() ?? throw new Xunit.Sdk.XunitException("the answer has no ETag");

    public void Dispose() => _http.Dispose();
}
