namespace Techmail.Quarantine;

/// <summary>Where on its way a message was when it was set aside or its handling failed.</summary>
public enum MailStage
{
    /// <summary>Taken off the server: downloading, or recognising what was handled before.</summary>
    Poll,
    /// <summary>Parsed and screened: discard filters, attachment limits, rejection, bounce classification.</summary>
    Screening,
    /// <summary>Handed to intake and recorded.</summary>
    Intake,
    /// <summary>Turned into an incident: read, threaded, contact, rules, acknowledgement.</summary>
    IncidentBuilder,
    /// <summary>Recorded as a bounce on its addresses.</summary>
    BounceIntake,
    /// <summary>Sent through the mailbox's relay.</summary>
    Outbox,
}

/// <summary>The stage names as storage, the trace and the JSON output spell them.</summary>
public static class MailStages
{
    public static string Name(MailStage stage) => stage switch
    {
        MailStage.Poll => "poll",
        MailStage.Screening => "screening",
        MailStage.Intake => "intake",
        MailStage.IncidentBuilder => "incident-builder",
        MailStage.BounceIntake => "bounce-intake",
        MailStage.Outbox => "outbox",
        _ => throw new ArgumentOutOfRangeException(nameof(stage)),
    };

    public static MailStage Parse(string name) =>
        Enum.GetValues<MailStage>().FirstOrDefault(s => Name(s) == name, MailStage.Intake);
}
