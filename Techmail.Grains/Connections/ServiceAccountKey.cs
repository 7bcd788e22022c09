using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Techmail.Connections;

/// <summary>
/// A Google service account's JSON key file: its email (the JWT's issuer), its RSA private key (PEM, PKCS#8) and the
/// key's id. <see cref="Assertion"/> signs the RFC 7523 JWT bearer assertion that, with domain-wide delegation, gets a
/// token for any account of the domain (<c>sub</c>). Techmail keeps the whole file as the mailbox's sealed client secret.
/// </summary>
public sealed record ServiceAccountKey(string ClientEmail, string PrivateKeyPem, string? PrivateKeyId, string? TokenUri)
{
    public const string GrantType = "urn:ietf:params:oauth:grant-type:jwt-bearer";

    /// <summary>Google's limit, and RFC 7523's advice: an assertion lives an hour at most.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(1);

    /// <exception cref="FormatException">Not a service account key file; the message says what is missing, never the key.</exception>
    public static ServiceAccountKey Parse(string json)
    {
        JsonElement root;
        try
        {
            using var document = JsonDocument.Parse(json);
            root = document.RootElement.Clone();
        }
        catch (JsonException)
        {
            throw new FormatException("the service account key is not JSON (expected the key file a provider's console downloads).");
        }

        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException("the service account key is not a JSON object.");
        }

        var email = TokenEndpoint.Text(root, "client_email") ?? throw new FormatException("the service account key has no client_email.");
        var pem = TokenEndpoint.Text(root, "private_key") ?? throw new FormatException("the service account key has no private_key.");
        var key = new ServiceAccountKey(email, pem, TokenEndpoint.Text(root, "private_key_id"), TokenEndpoint.Text(root, "token_uri"));
        try
        {
            using var rsa = key.Rsa();
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            throw new FormatException("the service account key's private_key is not an RSA key in PEM.");
        }

        return key;
    }

    /// <summary>The signed assertion (RS256) asking for <paramref name="scope"/> on behalf of <paramref name="subject"/>.</summary>
    /// <param name="audience">The token endpoint the assertion is for.</param>
    public string Assertion(string subject, string? scope, string audience, DateTimeOffset now)
    {
        var header = new Dictionary<string, object> { ["alg"] = "RS256", ["typ"] = "JWT" };
        if (PrivateKeyId is { Length: > 0 } kid)
        {
            header["kid"] = kid;
        }

        var issued = now.ToUnixTimeSeconds();
        var claims = new Dictionary<string, object>
        {
            ["iss"] = ClientEmail,
            ["sub"] = subject,
            ["aud"] = audience,
            ["iat"] = issued,
            ["exp"] = issued + (long)Lifetime.TotalSeconds,
        };
        if (scope is { Length: > 0 })
        {
            claims["scope"] = scope;
        }

        var signingInput = $"{Base64Url.Encode(JsonSerializer.SerializeToUtf8Bytes(header))}.{Base64Url.Encode(JsonSerializer.SerializeToUtf8Bytes(claims))}";
        using var rsa = Rsa();
        var signature = rsa.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return $"{signingInput}.{Base64Url.Encode(signature)}";
    }

    private RSA Rsa()
    {
        var rsa = RSA.Create();
        try
        {
            rsa.ImportFromPem(PrivateKeyPem);
            return rsa;
        }
        catch
        {
            rsa.Dispose();
            throw;
        }
    }
}
