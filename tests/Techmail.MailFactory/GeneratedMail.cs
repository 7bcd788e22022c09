namespace Techmail.MailFactory;

/// <summary>One generated message: its token, what kind it is (a <see cref="HostileKind"/> name or a good kind), and its bytes.</summary>
public sealed record GeneratedMail(string Token, string Kind, byte[] Raw, bool Hostile)
{
    /// <summary>The Message-ID the generator gave it, when it has exactly one (null for kinds that have none or several).</summary>
    public string? MessageId { get; init; }

    /// <summary>The sender's address as written, when it is a readable one.</summary>
    public string? Sender { get; init; }

    /// <summary>The subject as written (the token included), when it is plain text.</summary>
    public string? Subject { get; init; }
}
