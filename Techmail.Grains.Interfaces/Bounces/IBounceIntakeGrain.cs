using Techmail.Polling;

namespace Techmail.Bounces;

/// <summary>Takes Marketing mail. Stateless: any silo, many at once.</summary>
[Alias("Techmail.IBounceIntakeGrain")]
public interface IBounceIntakeGrain : IGrainWithIntegerKey
{
    [Alias("Accept"), Requires(Permission.Engine)]
    Task<IntakeReceipt> Accept(IReadOnlyList<InboundMessage> messages);
}
