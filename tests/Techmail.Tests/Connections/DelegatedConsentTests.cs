using Techmail.Audit;
using Techmail.Connections;
using Techmail.Mailboxes;
using Techmail.Tests.Polling;
using Techmail.Tests.Support;

namespace Techmail.Tests.Connections;

/// <summary>
/// A mailbox connected by a person's consent, against the real Dovecot whose oauth2 passdb introspects every token at
/// the loopback authorization server: the device flow, polls, an access token running out and one expired early, the
/// refresh with rotation, the provider revoking the consent (needs reconnecting, nothing asked of anyone until a new
/// consent) and the reconnect, after which every mail arrives once.
/// </summary>
[Collection(AuthenticationCollection.Name)]
public sealed class DelegatedConsentTests(AuthenticationFixture fixture)
{
    private OAuthTestServer OAuth => fixture.OAuth;

    [Theory]
    [InlineData(MailProtocol.Imap, OAuthSettings.XOAuth2)]
    [InlineData(MailProtocol.Pop3, OAuthSettings.OAuthBearer)]
    public async Task Connect_poll_refresh_revoke_and_reconnect_lose_and_double_nothing(MailProtocol protocol, string mechanism)
    {
        var (user, _) = fixture.NewUser();
        var client = $"device-{user}";
        OAuth.AddDelegatedClient(client, secret: null);
        var name = $"consent-{protocol}";
        var grain = await fixture.Mailbox(name, Incoming(protocol, user, mechanism, client));
        var grant = fixture.Client.GetGrain<IMailboxGrantGrain>(MailboxKey.For("poll", name));

        // Not connected yet: the poll says what to run, and nothing reaches the mail server's login.
        fixture.Dovecot.Deliver(user, TestMail.Simple("before consent"));
        var unconnected = await PollingFixture.PollAndWait(grain);
        Assert.Contains($"run 'techmail mailbox connect {name}'", unconnected.LastError);
        Assert.Null(fixture.LoginMethod(user));

        // Short-lived access tokens, so the test sees them run out.
        var lifetime = OAuth.TokenLifetime;
        OAuth.TokenLifetime = TimeSpan.FromSeconds(3);
        try
        {
            await Connect(grant, user);
            var connected = await PollingFixture.PollAndWait(grain);
            Assert.Null(connected.LastError);
            Assert.Equal(1, connected.Counts.Accepted);
            Assert.Equal(mechanism, fixture.LoginMethod(user));
            Assert.Equal(user, connected.Grant!.Account);
            Assert.False(connected.NeedsReconnecting);

            // The access token runs out between polls: the grant refreshes ahead of use, and the provider rotates the
            // refresh token (the old one is refused from now on, so only the stored new one can work again).
            var refreshes = OAuth.Refreshes;
            await Task.Delay(TimeSpan.FromSeconds(3.2));
            fixture.Dovecot.Deliver(user, TestMail.Simple("after expiry"));
            var refreshed = await PollingFixture.PollAndWait(grain);
            Assert.Null(refreshed.LastError);
            Assert.Equal(2, refreshed.Counts.Accepted);
            Assert.Equal(refreshes + 1, OAuth.Refreshes);

            // An access token the provider stops honouring before its time: the server refuses it, the grant
            // refreshes once more, and the same poll logs in with the new one.
            OAuth.TokenLifetime = TimeSpan.FromHours(1);
            await Task.Delay(TimeSpan.FromSeconds(3.2));
            var beforeEarly = await PollingFixture.PollAndWait(grain);
            Assert.Null(beforeEarly.LastError);
            OAuth.ExpireAccessTokens(user);
            fixture.Dovecot.Deliver(user, TestMail.Simple("after early expiry"));
            var early = await PollingFixture.PollAndWait(grain);
            Assert.Null(early.LastError);
            Assert.Equal(3, early.Counts.Accepted);
            Assert.Equal(refreshes + 3, OAuth.Refreshes);

            // The person (or their admin) revokes the consent at the provider.
            OAuth.RevokeConsent(user);
            fixture.Dovecot.Deliver(user, TestMail.Simple("while revoked"));
            var revoked = await PollingFixture.PollAndWait(grain);
            Assert.True(revoked.NeedsReconnecting);
            Assert.Contains("needs reconnecting", revoked.LastError);
            Assert.Contains("invalid_grant", revoked.Grant!.Problem);
            Assert.Equal(1, await fixture.Scalar(
                "SELECT COUNT(*) FROM techmail_audit WHERE tenant = 'poll' AND subject = @m AND action = @a",
                ("@m", name), ("@a", AuditActions.MailboxNeedsReconnecting)));

            // No retry storm: further polls ask neither the provider nor the mail server, and the mail waits on it.
            var asked = OAuth.DelegatedRequests;
            var logins = LoginCount(user);
            await PollingFixture.PollAndWait(grain);
            await PollingFixture.PollAndWait(grain);
            Assert.Equal(asked, OAuth.DelegatedRequests);
            Assert.Equal(logins, LoginCount(user));
            Assert.Equal(1, fixture.Dovecot.CountMessages(user));

            // A new consent: the mailbox works again and the waiting mail arrives, once.
            await Connect(grant, user);
            var reconnected = await PollingFixture.PollAndWait(grain);
            Assert.Null(reconnected.LastError);
            Assert.False(reconnected.NeedsReconnecting);
            Assert.Equal(4, reconnected.Counts.Accepted);
            Assert.Equal(0, reconnected.Counts.Duplicates);
            Assert.Equal(0, fixture.Dovecot.CountMessages(user));
        }
        finally
        {
            OAuth.TokenLifetime = lifetime;
        }
    }

    [Fact]
    public async Task A_kept_session_outlives_its_token_until_the_server_ends_it_and_the_next_poll_logs_in_with_a_refreshed_one()
    {
        // Mid-session expiry: IMAP checks a token at login only, so a kept session goes on after the token's expiry
        // until the server ends it (Exchange Online does so with "BYE Session invalidated - AccessTokenExpired"). The
        // next poll must not fail on the dead session nor use the expired token: it logs in afresh with a refreshed one.
        var (user, _) = fixture.NewUser();
        var client = $"kept-{user}";
        OAuth.AddDelegatedClient(client, secret: null);
        await using var proxy = FaultyProxy.Start(fixture.Dovecot.ImapPort);
        const string name = "consent-kept";
        // Polled every minute, so the silo keeps the logged-in connection between polls.
        var grain = await fixture.Mailbox(name, Incoming(MailProtocol.Imap, user, OAuthSettings.XOAuth2, client) with { Port = proxy.Port },
            s => s with { PollInterval = TimeSpan.FromMinutes(1) });
        var grant = fixture.Client.GetGrain<IMailboxGrantGrain>(MailboxKey.For("poll", name));
        var lifetime = OAuth.TokenLifetime;
        OAuth.TokenLifetime = TimeSpan.FromSeconds(3);
        try
        {
            await Connect(grant, user);
            fixture.Dovecot.Deliver(user, TestMail.Simple("first, on a new session"));
            Assert.Equal(1, (await PollingFixture.PollAndWait(grain)).Counts.Accepted);
            var logins = fixture.Dovecot.Logins(user);
            var refreshes = OAuth.Refreshes;

            // The token runs out; the session it opened goes on, and the next poll uses it without logging in.
            await Task.Delay(TimeSpan.FromSeconds(3.2));
            fixture.Dovecot.Deliver(user, TestMail.Simple("second, on the kept session"));
            var kept = await PollingFixture.PollAndWait(grain);
            Assert.Null(kept.LastError);
            Assert.Equal(2, kept.Counts.Accepted);
            Assert.Equal(logins, fixture.Dovecot.Logins(user));
            Assert.Equal(refreshes, OAuth.Refreshes);

            // The server ends the session. The poll finds it dead, refreshes the expired token once and logs in with it.
            proxy.ResetOpenConnections();
            fixture.Dovecot.Deliver(user, TestMail.Simple("third, after the session ended"));
            var renewed = await PollingFixture.PollAndWait(grain);
            Assert.Null(renewed.LastError);
            Assert.Equal(3, renewed.Counts.Accepted);
            Assert.Equal(0, renewed.Counts.Duplicates);
            Assert.Equal(logins + 1, fixture.Dovecot.Logins(user));
            Assert.Equal(refreshes + 1, OAuth.Refreshes);
            Assert.Equal(0, fixture.Dovecot.CountMessages(user));
        }
        finally
        {
            OAuth.TokenLifetime = lifetime;
        }
    }

    [Fact]
    public async Task The_device_flow_waits_slows_down_and_reports_a_refusal_or_an_expired_code()
    {
        var (user, _) = fixture.NewUser();
        var client = $"device-{user}";
        OAuth.AddDelegatedClient(client, secret: null);
        await fixture.Mailbox("device-steps", Incoming(MailProtocol.Imap, user, OAuthSettings.XOAuth2, client));
        var grant = fixture.Client.GetGrain<IMailboxGrantGrain>(MailboxKey.For("poll", "device-steps"));

        var shown = await grant.StartDeviceConnect();
        Assert.Equal(TimeSpan.FromSeconds(OAuth.DeviceIntervalSeconds), shown.Interval);
        Assert.Equal(OAuth.UserCodes[^1], shown.UserCode);
        var pending = await grant.ContinueDeviceConnect();
        Assert.Equal(DeviceConnectProgress.Pending, pending.Progress);

        // Asked again at once, the server says slow_down: the interval grows by five seconds (RFC 8628 3.5).
        var slower = await grant.ContinueDeviceConnect();
        Assert.Equal(DeviceConnectProgress.SlowDown, slower.Progress);
        Assert.Equal(shown.Interval + TimeSpan.FromSeconds(5), slower.Interval);

        OAuth.DenyDevice(shown.UserCode);
        await Task.Delay(shown.Interval + TimeSpan.FromMilliseconds(100));
        var denied = await grant.ContinueDeviceConnect();
        Assert.Equal(DeviceConnectProgress.Denied, denied.Progress);
        await Assert.ThrowsAsync<MailboxException>(() => grant.ContinueDeviceConnect());

        var lifetime = OAuth.DeviceCodeLifetime;
        OAuth.DeviceCodeLifetime = TimeSpan.FromMilliseconds(500);
        try
        {
            await grant.StartDeviceConnect();
            await Task.Delay(TimeSpan.FromSeconds(1));
            var expired = await grant.ContinueDeviceConnect();
            Assert.Equal(DeviceConnectProgress.Expired, expired.Progress);
        }
        finally
        {
            OAuth.DeviceCodeLifetime = lifetime;
        }

        Assert.Null(await grant.GetStatus());
    }

    [Fact]
    public async Task A_provider_outage_is_retried_and_never_taken_for_a_revocation()
    {
        var (user, _) = fixture.NewUser();
        var client = $"device-{user}";
        OAuth.AddDelegatedClient(client, secret: null);
        var grain = await fixture.Mailbox("consent-outage", Incoming(MailProtocol.Imap, user, OAuthSettings.XOAuth2, client));
        var grant = fixture.Client.GetGrain<IMailboxGrantGrain>(MailboxKey.For("poll", "consent-outage"));
        var lifetime = OAuth.TokenLifetime;
        OAuth.TokenLifetime = TimeSpan.FromSeconds(2);
        try
        {
            await Connect(grant, user);
            await Task.Delay(TimeSpan.FromSeconds(2.2));

            // Every refresh answered 503 for a while: the poll fails as transient and is retried (the pipeline's retries
            // ask the endpoint again, until the account's breaker opens), and the grant stays good.
            OAuth.FailNext(50);
            fixture.Dovecot.Deliver(user, TestMail.Simple("during the outage"));
            var failed = await PollingFixture.PollAndWait(grain);
            Assert.False(failed.NeedsReconnecting);
            Assert.NotNull(failed.LastError);
            Assert.DoesNotContain("needs reconnecting", failed.LastError);
            Assert.True(OAuth.FailuresLeft < 49, $"the refresh was not retried: {50 - OAuth.FailuresLeft} request(s)");
            Assert.Null((await grant.GetStatus())!.Problem);

            // Past the account's circuit break, which the failed retries may have opened.
            OAuth.FailNext(0);
            await Task.Delay(fixture.Options.Polling.CircuitBreakDuration + TimeSpan.FromMilliseconds(200));
            var recovered = await PollingFixture.PollAndWait(grain);
            Assert.Null(recovered.LastError);
            Assert.Equal(1, recovered.Counts.Accepted);
        }
        finally
        {
            OAuth.FailNext(0);
            OAuth.TokenLifetime = lifetime;
        }
    }

    [Fact]
    public async Task Mail_goes_out_through_a_real_smtp_server_with_xoauth2_waits_while_revoked_and_goes_once_after_reconnecting()
    {
        var postfix = await fixture.Submission();
        var (user, _) = fixture.NewUser();
        var client = $"device-{user}";
        OAuth.AddDelegatedClient(client, secret: null);
        var incoming = Incoming(MailProtocol.Imap, user, OAuthSettings.XOAuth2, client);
        var relay = new SmtpRelaySettings("127.0.0.1", postfix.Port, TlsMode.None, user, null, AllowPlaintextPassword: true, OAuth: incoming.OAuth);
        var grain = await fixture.Mailbox("consent-smtp", incoming, s => s with { Outgoing = fixture.Relay() with { Relay = relay } });
        var grant = fixture.Client.GetGrain<IMailboxGrantGrain>(MailboxKey.For("poll", "consent-smtp"));
        var outbox = fixture.Client.GetGrain<Outgoing.IOutboxGrain>(MailboxKey.For("poll", "consent-smtp"));
        await Connect(grant, user);

        int Disconnects() => System.Text.RegularExpressions.Regex.Count(postfix.Log, "disconnect from");
        var disconnectsBefore = Disconnects();
        var first = await grain.Send(new Outgoing.OutgoingMail(["customer@example.net"], "through postfix", "body"), null);
        await fixture.Smtp.WaitFor(m => m.Message.MessageId == first.MessageId, TimeSpan.FromSeconds(30));
        Assert.Contains($"sasl_method=XOAUTH2, sasl_username={user}", postfix.Log);

        // The drain's connection ends before the consent is revoked: a session already signed in keeps working (as at a
        // real provider), and a busy machine could otherwise hand the next mail to it.
        var closed = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (Disconnects() == disconnectsBefore)
        {
            Assert.True(DateTime.UtcNow < closed, "the outbox's connection to Postfix never closed after its mail");
            await Task.Delay(100);
        }

        // Revoked: the relay refuses the token, the refresh is refused, and the outbox holds the mail saying why.
        OAuth.RevokeConsent(user);
        var second = await grain.Send(new Outgoing.OutgoingMail(["customer@example.net"], "while revoked", "body"), null);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        Outgoing.OutboxStatus status;
        while ((status = await outbox.GetStatus()).Held?.Contains("needs reconnecting") != true)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the outbox was never held for the revoked consent: {status}");
            await Task.Delay(100);
        }

        Assert.Equal(1, status.Queued);
        Assert.True((await grain.GetStatus()).NeedsReconnecting);

        // Connected again: the held mail goes at once, once.
        await Connect(grant, user);
        await fixture.Smtp.WaitFor(m => m.Message.MessageId == second.MessageId, TimeSpan.FromSeconds(30));
        await Task.Delay(500);
        Assert.Single(fixture.Smtp.Messages, m => m.Message.MessageId == second.MessageId);
        Assert.Single(fixture.Smtp.Messages, m => m.Message.MessageId == first.MessageId);
    }

    /// <summary>Connects as the mailbox's own account: the provider's ID token names it, and nothing more is said.</summary>
    private async Task Connect(IMailboxGrantGrain grant, string user)
    {
        var connected = await DeviceConsent.Connect(OAuth, grant, user);
        Assert.Equal(user, connected.Account);
        Assert.Equal(user, connected.MailboxAccount);
        Assert.False(connected.ConsentedByAnotherAccount);
    }

    private int LoginCount(string user)
    {
        using var stream = new FileStream(fixture.Dovecot.LogFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var log = new StreamReader(stream).ReadToEnd();
        return log.Split('\n').Count(l => l.Contains("<" + user + ">", StringComparison.Ordinal) || l.Contains("(" + user + ",", StringComparison.Ordinal));
    }

    private IncomingSettings Incoming(MailProtocol protocol, string user, string mechanism, string client) =>
        DeviceConsent.Incoming(fixture, protocol, user, mechanism, client);
}
