namespace Techmail.Quarantine;

public enum QuarantineState
{
    Held,
    Reprocessed,
    Dropped,
}

/// <summary>A message kept raw because it could not be handled; an admin reprocesses or drops it.</summary>
[GenerateSerializer, Immutable, Alias("Techmail.QuarantinedMessage")]
public sealed record QuarantinedMessage(
    [property: Id(0)] string Id,
    [property: Id(1)] string Mailbox,
    [property: Id(2)] string MessageKey,
    [property: Id(3)] string? From,
    [property: Id(4)] string? Subject,
    [property: Id(5)] long Size,
    [property: Id(6)] string Reason,
    [property: Id(7)] QuarantineState State,
    [property: Id(8)] DateTimeOffset Created,
    [property: Id(9)] MailStage Stage = MailStage.Intake);
