namespace Techmail.Mailboxes;

/// <summary>A mail server account, compared without regard to case: host names and logins are case-insensitive in practice.</summary>
[GenerateSerializer, Immutable, Alias("Techmail.AccountKey")]
public sealed record AccountKey([property: Id(0)] string Host, [property: Id(1)] string User)
{
    /// <summary>"host/user": the login may itself be an email address, so "@" would read ambiguously.</summary>
    public string Normalized => $"{Host.Trim().TrimEnd('.').ToLowerInvariant()}/{User.Trim().ToLowerInvariant()}";

    public bool Equals(AccountKey? other) => other is not null && Normalized == other.Normalized;

    public override int GetHashCode() => Normalized.GetHashCode(StringComparison.Ordinal);

    public override string ToString() => Normalized;
}
