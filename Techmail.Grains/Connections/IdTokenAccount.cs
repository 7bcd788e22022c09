using System.Text;
using System.Text.Json;

namespace Techmail.Connections;

/// <summary>
/// The account an OpenID Connect ID token names, for the status: "who consented". The token came straight from the
/// token endpoint over the connection Techmail opened, so its claims are read without checking its signature; it
/// authorizes nothing here.
/// </summary>
public static class IdTokenAccount
{
    public static string? Of(string? idToken)
    {
        var parts = idToken?.Split('.');
        if (parts is not { Length: 3 })
        {
            return null;
        }

        try
        {
            using var claims = JsonDocument.Parse(Encoding.UTF8.GetString(Base64Url.Decode(parts[1])));
            var root = claims.RootElement;
            return TokenEndpoint.Text(root, "email") ?? TokenEndpoint.Text(root, "preferred_username") ?? TokenEndpoint.Text(root, "upn");
        }
        catch (Exception e) when (e is FormatException or JsonException or ArgumentException)
        {
            return null;
        }
    }
}
