using Techmail.Connections;
using Techmail.Mailboxes;
using Techmail.Tests.Polling;
using Techmail.Tests.Support;

namespace Techmail.Tests.Connections;

/// <summary>
/// One refresh at a time per mailbox: the provider rotates refresh tokens, so two refreshes racing with the same one
/// would have the second refused (invalid_grant) and the mailbox wrongly marked as needing reconnecting. Every caller
/// that finds the access token due goes through the mailbox's one grant activation, which refreshes once for all.
/// </summary>
[Collection(AuthenticationCollection.Name)]
public sealed class OneRefreshAtATimeTests(AuthenticationFixture fixture)
{
    private OAuthTestServer OAuth => fixture.OAuth;

    [Fact]
    public async Task Token_requests_and_a_poll_at_once_for_a_token_due_for_refresh_make_one_refresh_and_share_its_token()
    {
        var (user, _) = fixture.NewUser();
        var client = $"device-{user}";
        OAuth.AddDelegatedClient(client, secret: null);
        var grain = await fixture.Mailbox("one-refresh", DeviceConsent.Incoming(fixture, MailProtocol.Imap, user, OAuthSettings.XOAuth2, client));
        var grant = fixture.Client.GetGrain<IMailboxGrantGrain>(MailboxKey.For("poll", "one-refresh"));
        var lifetime = OAuth.TokenLifetime;
        OAuth.TokenLifetime = TimeSpan.FromSeconds(2);
        try
        {
            await DeviceConsent.Connect(OAuth, grant, user);
            var before = await grant.AccessToken(null);
            Assert.NotNull(before.Token);

            // Past the refresh margin (a tenth of the 2 s life): every request below finds the token due.
            await Task.Delay(TimeSpan.FromSeconds(2.1));
            OAuth.TokenLifetime = TimeSpan.FromHours(1);
            OAuth.RefreshDelay = TimeSpan.FromMilliseconds(500);
            var refreshes = OAuth.Refreshes;
            var requests = OAuth.DelegatedRequests;
            fixture.Dovecot.Deliver(user, TestMail.Simple("during the refresh"));

            var asked = Enumerable.Range(0, 8).Select(_ => grant.AccessToken(null)).ToList();
            var poll = PollingFixture.PollAndWait(grain);
            var tokens = await Task.WhenAll(asked);
            var polled = await poll;

            Assert.Equal(refreshes + 1, OAuth.Refreshes);
            Assert.Equal(requests + 1, OAuth.DelegatedRequests);
            var token = Assert.Single(tokens.Select(t => t.Token).Distinct());
            Assert.NotNull(token);
            Assert.NotEqual(before.Token, token);
            Assert.True(OAuth.Honours(token), "the shared token is not one the provider honours");
            Assert.All(tokens, t => Assert.Null(t.Failure));

            // The poll logged in with that same refresh's token, and the grant stays good.
            Assert.Null(polled.LastError);
            Assert.Equal(1, polled.Counts.Accepted);
            Assert.False(polled.NeedsReconnecting);
            Assert.Equal(token, (await grant.AccessToken(null)).Token);
        }
        finally
        {
            OAuth.RefreshDelay = TimeSpan.Zero;
            OAuth.TokenLifetime = lifetime;
        }
    }
}
