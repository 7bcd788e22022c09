using Techmail.Bounces;
using static Techmail.Tests.Bounces.BounceSamples;

namespace Techmail.Tests.Bounces;

/// <summary>
/// Report layouts and wordings read by later rules: unsubscribe requests, program recipients, reasons printed above
/// the address, Sendmail transcripts with several recipients, relays quoting the remote reply. Hand-written samples.
/// </summary>
public sealed class ReportLayoutRuleTests
{
    [Fact]
    public void Mail_client_unsubscribe_request_is_feedback_not_a_vacation()
    {
        var result = Classify("""
            From: judy@dest.test
            To: opt-out-42@sender.test
            Subject: unsubscribe
            Auto-Submitted: auto-replied
            X-Apple-Unsubscribe: true

            Apple Mail sent this email to unsubscribe from the message "Weekly news".
            """);

        var judy = Single(result);
        Assert.Equal("judy@dest.test", judy.Recipient);
        Assert.Equal(BounceReason.Feedback, judy.Reason);
        Assert.Null(judy.HardBounce);
    }

    [Fact]
    public void Automatic_bare_unsubscribe_command_is_feedback()
    {
        var judy = Single(Classify("""
            From: judy@dest.test
            To: list-request@sender.test
            Subject: Unsubscribe
            Auto-Submitted: auto-generated

            """));

        Assert.Equal(BounceReason.Feedback, judy.Reason);
    }
}
