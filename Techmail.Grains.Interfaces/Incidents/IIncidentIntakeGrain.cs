using Techmail.Polling;

namespace Techmail.Incidents;

/// <summary>Takes Service mail. Stateless: any silo, many at once.</summary>
[Alias("Techmail.IIncidentIntakeGrain")]
public interface IIncidentIntakeGrain : IGrainWithIntegerKey
{
    [Alias("Accept"), Requires(Permission.Engine)]
    Task<IntakeReceipt> Accept(IReadOnlyList<InboundMessage> messages);
}
