using Techmail.Client.Infrastructure;
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
    string Prefix)
{
    public bool Touched => TokenUrl is not null || ClientId is not null || SecretStdin || SecretFile is not null || Scope is not null || Mechanism is not null || Remove;

    public OAuthSettings? Apply(OAuthSettings? current, Func<string> readSecret)
    {
        var changes = TokenUrl is not null || ClientId is not null || SecretStdin || SecretFile is not null || Scope is not null || Mechanism is not null;
        if (Remove)
        {
            return changes ? throw new CommandFailure($"{Prefix}no-oauth cannot be combined with other {Prefix}oauth- options.") : null;
        }

        if (!changes)
        {
            return current;
        }

        if (SecretStdin && SecretFile is not null)
        {
            throw new CommandFailure($"give the OAuth client secret with {Prefix}oauth-client-secret-stdin or {Prefix}oauth-client-secret-file, not both.");
        }

        var o = current ?? new OAuthSettings("", "", null, null);
        return o with
        {
            TokenUrl = TokenUrl ?? o.TokenUrl,
            ClientId = ClientId ?? o.ClientId,
            ClientSecret = SecretStdin ? readSecret() : SecretFile is not null ? ReadFirstLine(SecretFile) : o.ClientSecret,
            Scope = Scope ?? o.Scope,
            Mechanism = Mechanism?.ToUpperInvariant() ?? o.Mechanism,
        };
    }

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
}
