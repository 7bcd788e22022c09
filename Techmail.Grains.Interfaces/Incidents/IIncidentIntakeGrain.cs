using Techmail.Polling;

namespace Techmail.Incidents;

/// <summary>Takes Service mail. Stateless: any silo, many at once.</summary>
[Alias("Techmail.IIncidentIntakeGrain")]
public interface IIncidentIntakeGrain : IGrainWithIntegerKey
{
    [Alias("Accept")]
    Task<IntakeReceipt> Accept(IReadOnlyList<InboundMessage> messages);
}
