using Techmail.Mailboxes;
using Techmail.Silo.WebConsole.Admin.Mailboxes;

namespace Techmail.Tests.Unit;

public sealed class AdminMailboxHealthTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 11, 0, 0, TimeSpan.Zero);

    private static MailboxStatus Polled(int failures = 0, CircuitState circuit = CircuitState.Closed, string? error = null, DateTimeOffset? next = null) =>
        MailboxStatus.Initial with
        {
            State = PollState.Scheduled,
            LastPollStarted = Now.AddMinutes(-4),
            LastPollDuration = TimeSpan.FromSeconds(2),
            NextPoll = next ?? Now.AddMinutes(1),
            ConsecutiveFailures = failures,
            Circuit = circuit,
            LastError = error,
            BackoffUntil = circuit == CircuitState.Open ? Now.AddSeconds(30) : null,
        };

    [Fact]
    public void A_disabled_mailbox_is_off_whatever_its_last_status_said() =>
        Assert.Equal(HealthLevel.Off, MailboxHealth.Of(enabled: false, polls: false, Polled(failures: 9), Now).Level);

    [Fact]
    public void A_mailbox_that_only_sends_is_healthy_without_polls() =>
        Assert.Equal(("Sending only", HealthLevel.Healthy), Badge(MailboxHealth.Of(true, polls: false, MailboxStatus.Initial, Now)));

    [Fact]
    public void Polls_that_succeed_on_time_are_healthy() =>
        Assert.Equal(("Healthy", HealthLevel.Healthy), Badge(MailboxHealth.Of(true, true, Polled(), Now)));

    [Fact]
    public void A_refused_grant_needs_reconnecting_before_anything_its_failed_polls_say()
    {
        var grant = new Techmail.Connections.GrantStatus("desk@example.com", "mail", Now.AddDays(-3), null, null, Now.AddMinutes(-5), "400 invalid_grant");
        var health = MailboxHealth.Of(true, true, Polled(failures: 4, circuit: CircuitState.Open, error: "needs reconnecting") with { Grant = grant }, Now);

        Assert.Equal(("Needs reconnecting", HealthLevel.Failing), Badge(health));
        Assert.Contains("400 invalid_grant", health.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void One_failed_poll_is_retrying_and_says_the_error()
    {
        var health = MailboxHealth.Of(true, true, Polled(failures: 1, error: "login refused"), Now);

        Assert.Equal(("Retrying", HealthLevel.Warning), Badge(health));
        Assert.Contains("The last poll failed", health.Reason, StringComparison.Ordinal);
        Assert.EndsWith("Last error: login refused", health.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Failures_in_a_row_are_failing_and_an_open_circuit_says_until_when()
    {
        Assert.Equal(("Failing", HealthLevel.Failing), Badge(MailboxHealth.Of(true, true, Polled(failures: MailboxHealth.FailingAfter), Now)));
        var open = MailboxHealth.Of(true, true, Polled(failures: 5, circuit: CircuitState.Open, error: "connection refused"), Now);
        Assert.Equal(("Circuit open", HealthLevel.Failing), Badge(open));
        Assert.Contains("until 2026-12-07 11:00:30 UTC", open.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_due_poll_that_has_not_started_is_late_only_past_the_margin()
    {
        Assert.Equal(HealthLevel.Healthy, MailboxHealth.Of(true, true, Polled(next: Now - TimeSpan.FromSeconds(90)), Now).Level);
        var late = MailboxHealth.Of(true, true, Polled(next: Now.AddMinutes(-10)), Now);
        Assert.Equal(("Late", HealthLevel.Warning), Badge(late));
        Assert.Contains("10 minutes late", late.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_new_mailbox_waits_for_its_first_poll() =>
        Assert.Equal("Not polled yet", MailboxHealth.Of(true, true, MailboxStatus.Initial with { State = PollState.Scheduled, NextPoll = Now.AddMinutes(3) }, Now).Label);

    private static (string, HealthLevel) Badge(MailboxHealth health) => (health.Label, health.Level);
}
