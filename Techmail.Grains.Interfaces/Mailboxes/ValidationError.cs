namespace Techmail.Mailboxes;

/// <param name="Field">The setting at fault, as the client names it (e.g. "incoming.port").</param>
[GenerateSerializer, Immutable, Alias("Techmail.ValidationError")]
public sealed record ValidationError([property: Id(0)] string Field, [property: Id(1)] string Message)
{
    public override string ToString() => $"{Field}: {Message}";
}
