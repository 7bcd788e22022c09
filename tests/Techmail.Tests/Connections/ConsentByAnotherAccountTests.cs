using Techmail.Client.Mailboxes;
using Techmail.Connections;
using Techmail.Mailboxes;
using Techmail.Tests.Polling;
using Techmail.Tests.Support;

namespace Techmail.Tests.Connections;

/// <summary>
/// Who consented, as the provider's ID token names them, beside the account the mailbox logs in as: a consent by
/// someone else is kept (a shared mailbox is opened with a delegate's consent) and said wherever the grant is shown.
/// </summary>
[Collection(AuthenticationCollection.Name)]
public sealed class ConsentByAnotherAccountTests(AuthenticationFixture fixture)
{
    [Fact]
    public async Task A_delegates_consent_is_stored_and_shown_beside_the_mailboxs_own_account()
    {
        var (user, _) = fixture.NewUser();
        var client = $"device-{user}";
        fixture.OAuth.AddDelegatedClient(client, secret: null);
        var grain = await fixture.Mailbox("shared", DeviceConsent.Incoming(fixture, MailProtocol.Imap, user, OAuthSettings.XOAuth2, client));
        var grant = fixture.Client.GetGrain<IMailboxGrantGrain>(MailboxKey.For("poll", "shared"));

        var connected = await DeviceConsent.Connect(fixture.OAuth, grant, "delegate@example.com");
        Assert.Equal(("delegate@example.com", user), (connected.Account, connected.MailboxAccount));
        Assert.True(connected.ConsentedByAnotherAccount);
        Assert.Contains($"delegate@example.com consented, not {user}", MailboxRendering.ConsentedByAnother("shared", connected));
        Assert.Contains($"'techmail mailbox connect shared' again signed in as {user}", MailboxRendering.ConsentedByAnother("shared", connected));

        // Kept, not refused: the mailbox's status shows the same, and the grant hands out tokens.
        var status = (await grain.GetStatus()).Grant!;
        Assert.Equal(("delegate@example.com", user), (status.Account, status.MailboxAccount));
        Assert.False(status.NeedsReconnecting);
        Assert.NotNull((await grant.AccessToken(null)).Token);

        // The mailbox's own account consenting again: nothing more to say.
        var own = await DeviceConsent.Connect(fixture.OAuth, grant, user.ToUpperInvariant());
        Assert.False(own.ConsentedByAnotherAccount);
        Assert.Null(MailboxRendering.ConsentedByAnother("shared", own));
    }

    [Fact]
    public async Task Without_openid_in_the_scope_the_provider_names_no_one()
    {
        var (user, _) = fixture.NewUser();
        var client = $"device-{user}";
        fixture.OAuth.AddDelegatedClient(client, secret: null);
        var incoming = DeviceConsent.Incoming(fixture, MailProtocol.Imap, user, OAuthSettings.XOAuth2, client);
        await fixture.Mailbox("no-openid", incoming with { OAuth = incoming.OAuth! with { Scope = "mail offline_access" } });
        var grant = fixture.Client.GetGrain<IMailboxGrantGrain>(MailboxKey.For("poll", "no-openid"));

        // As at Microsoft and Google: no openid, no ID token, so "connected as" has nothing to show.
        var connected = await DeviceConsent.Connect(fixture.OAuth, grant, user);
        Assert.Null(connected.Account);
        Assert.False(connected.ConsentedByAnotherAccount);
    }
}
