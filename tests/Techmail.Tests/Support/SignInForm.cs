using System.Text.RegularExpressions;

namespace Techmail.Tests.Support;

/// <summary>
/// Signs in over plain HTTP as a browser does: the sign-in form first, for its antiforgery token and cookie, then the
/// post with both. Tests of pages behind the session cookie share it, so the form's shape is known in one place.
/// </summary>
public static partial class SignInForm
{
    public static async Task<HttpResponseMessage> Post(HttpClient http, string token, string returnPath)
    {
        var (field, value, cookie) = await Read(http);
        var post = new HttpRequestMessage(HttpMethod.Post, "signin")
        {
            Content = new FormUrlEncodedContent([new("token", token), new("return", returnPath), new(field, value)]),
        };
        post.Headers.Add("Cookie", cookie);
        return await http.SendAsync(post);
    }

    /// <summary>The form's hidden antiforgery field (name, value) and the antiforgery cookie that goes with it.</summary>
    public static async Task<(string Field, string Value, string Cookie)> Read(HttpClient http)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "signin");
        request.Headers.Accept.ParseAdd("text/html");
        using var form = await http.SendAsync(request);
        var html = await form.Content.ReadAsStringAsync();
        var hidden = HiddenField().Match(html);
        Assert.True(hidden.Success, "the sign-in form carries an antiforgery token");
        var cookie = form.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("techmail_antiforgery=", StringComparison.Ordinal)).Split(';')[0];
        return (hidden.Groups[1].Value, hidden.Groups[2].Value, cookie);
    }

    [GeneratedRegex("<input type=\"hidden\" name=\"(__[a-z_]+)\" value=\"([^\"]+)\">")]
    private static partial Regex HiddenField();
}
