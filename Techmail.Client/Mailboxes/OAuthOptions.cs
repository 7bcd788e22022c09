using Techmail.Client.Infrastructure;
using Techmail.Connections;
using Techmail.Mailboxes;

namespace Techmail.Client.Mailboxes;

/// <summary>One side's (incoming or SMTP) OAuth options, applied to its current OAuth settings.</summary>
/// <param name="Prefix">"--" or "--smtp-", so errors name the option as typed.</param>
internal sealed record OAuthOptions(
    string? TokenUrl,
    string? ClientId,
    bool SecretStdin,
    string? SecretFile,
    string? Scope,
    string? Mechanism,
    bool Remove,
    string Prefix,
    string? Flow = null,
    string? AuthorizationUrl = null,
    string? DeviceUrl = null,
    string? ServiceAccountKeyFile = null)
{
    public bool Touched => Changes || Remove;

    private bool Changes => TokenUrl is not null || ClientId is not null || SecretStdin || SecretFile is not null || Scope is not null || Mechanism is not null
        || Flow is not null || AuthorizationUrl is not null || DeviceUrl is not null || ServiceAccountKeyFile is not null;

    /// <param name="preset">What --provider fills in, applied before this side's own options.</param>
    public OAuthSettings? Apply(OAuthSettings? current, Func<string> readSecret, OAuthSettings? preset = null)
    {
        if (Remove)
        {
            return Changes || preset is not null ? throw new CommandFailure($"{Prefix}no-oauth cannot be combined with other {Prefix}oauth- options or --provider.") : null;
        }

        if (!Changes && preset is null)
        {
            return current;
        }

        if (new[] { SecretStdin, SecretFile is not null, ServiceAccountKeyFile is not null }.Count(given => given) > 1)
        {
            throw new CommandFailure($"give the OAuth client secret with one of {Prefix}oauth-client-secret-stdin, {Prefix}oauth-client-secret-file or {Prefix}oauth-service-account-key-file.");
        }

        var o = current ?? new OAuthSettings("", "", null, null);
        if (preset is not null)
        {
            // The provider's endpoints and scopes; the app's own id and secret stay as they are.
            o = preset with { ClientId = o.ClientId, ClientSecret = o.ClientSecret };
        }

        var flow = Flow is null ? (ServiceAccountKeyFile is not null ? OAuthFlow.ServiceAccount : o.Flow) : ParseFlow(Flow);
        var secret = SecretStdin ? readSecret() : SecretFile is not null ? ReadFirstLine(SecretFile) : o.ClientSecret;
        var clientId = ClientId ?? o.ClientId;
        if (ServiceAccountKeyFile is not null)
        {
            if (flow != OAuthFlow.ServiceAccount)
            {
                throw new CommandFailure($"{Prefix}oauth-service-account-key-file goes with {Prefix}oauth-flow service-account.");
            }

            secret = ReadAll(ServiceAccountKeyFile);
            try
            {
                clientId = ClientId ?? ServiceAccountKey.Parse(secret).ClientEmail;
            }
            catch (FormatException e)
            {
                throw new CommandFailure($"{Prefix}oauth-service-account-key-file {ServiceAccountKeyFile}: {e.Message}");
            }
        }

        return o with
        {
            TokenUrl = TokenUrl ?? o.TokenUrl,
            ClientId = clientId,
            ClientSecret = secret,
            Scope = Scope ?? o.Scope,
            Mechanism = Mechanism?.ToUpperInvariant() ?? o.Mechanism,
            Flow = flow,
            AuthorizationUrl = AuthorizationUrl ?? o.AuthorizationUrl,
            DeviceAuthorizationUrl = DeviceUrl ?? o.DeviceAuthorizationUrl,
        };
    }

    public OAuthFlow? ParsedFlow => Flow is null ? ServiceAccountKeyFile is not null ? OAuthFlow.ServiceAccount : null : ParseFlow(Flow);

    private OAuthFlow ParseFlow(string flow) => flow.Trim().ToLowerInvariant() switch
    {
        "client-credentials" or "clientcredentials" => OAuthFlow.ClientCredentials,
        "delegated" => OAuthFlow.Delegated,
        "service-account" or "serviceaccount" => OAuthFlow.ServiceAccount,
        _ => throw new CommandFailure($"{Prefix}oauth-flow '{flow}' is not one of client-credentials, delegated, service-account."),
    };

    private string ReadFirstLine(string path)
    {
        try
        {
            return File.ReadLines(path).FirstOrDefault()?.Trim() ?? "";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CommandFailure($"{Prefix}oauth-client-secret-file {path}: {e.Message}");
        }
    }

    private string ReadAll(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CommandFailure($"{Prefix}oauth-service-account-key-file {path}: {e.Message}");
        }
    }
}
