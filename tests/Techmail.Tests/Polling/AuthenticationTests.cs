using Techmail.Mailboxes;
using Techmail.Tests.Support;

namespace Techmail.Tests.Polling;

/// <summary>Logins against a real Dovecot: the admin's mechanisms and their order, the refusal to show a password without TLS, and OAuth.</summary>
[Collection(AuthenticationCollection.Name)]
public sealed class AuthenticationTests(AuthenticationFixture fixture)
{
    private DovecotServer Dovecot => fixture.Dovecot;

    [Theory]
    [InlineData(MailProtocol.Pop3, "PLAIN", "PLAIN")]
    [InlineData(MailProtocol.Pop3, "LOGIN", "LOGIN")]
    [InlineData(MailProtocol.Pop3, "CRAM-MD5", "CRAM-MD5")]
    [InlineData(MailProtocol.Pop3, "SCRAM-SHA-256", "SCRAM-SHA-256")]
    [InlineData(MailProtocol.Pop3, "APOP", "APOP")]
    [InlineData(MailProtocol.Pop3, "USER", "PLAIN")]
    [InlineData(MailProtocol.Imap, "PLAIN", "PLAIN")]
    [InlineData(MailProtocol.Imap, "LOGIN", "LOGIN")]
    [InlineData(MailProtocol.Imap, "CRAM-MD5", "CRAM-MD5")]
    [InlineData(MailProtocol.Imap, "SCRAM-SHA-256", "SCRAM-SHA-256")]
    public async Task Each_mechanism_logs_in_when_chosen(MailProtocol protocol, string mechanism, string dovecotMethod)
    {
        var (user, password) = fixture.NewUser();
        Dovecot.Deliver(user, TestMail.Simple("mechanism " + mechanism));
        var grain = await fixture.Mailbox($"mech-{protocol}-{mechanism}", Incoming(protocol, user, password, [mechanism], allowPlaintext: true));

        var status = await PollingFixture.PollAndWait(grain);

        Assert.Null(status.LastError);
        Assert.Equal(1, status.Counts.Accepted);
        Assert.Equal(dovecotMethod, fixture.LoginMethod(user));
    }

    [Theory]
    [InlineData("CRAM-MD5", "PLAIN")]
    [InlineData("PLAIN", "CRAM-MD5")]
    [InlineData("SCRAM-SHA-256", "CRAM-MD5")]
    public async Task The_first_offered_mechanism_in_the_admins_order_is_used(string first, string second)
    {
        var (user, password) = fixture.NewUser();
        var grain = await fixture.Mailbox($"order-{first}-{second}", Incoming(MailProtocol.Imap, user, password, [first, second], allowPlaintext: true));

        Assert.Null((await PollingFixture.PollAndWait(grain)).LastError);
        Assert.Equal(first, fixture.LoginMethod(user));
    }

    [Fact]
    public async Task A_mechanism_the_server_does_not_offer_fails_naming_what_it_offers()
    {
        var (user, password) = fixture.NewUser();
        var grain = await fixture.Mailbox("not-offered", Incoming(MailProtocol.Imap, user, password, ["DIGEST-MD5"], allowPlaintext: true));

        var status = await PollingFixture.PollAndWait(grain);

        Assert.Contains("offers none of the chosen mechanisms (DIGEST-MD5); it offers", status.LastError);
        Assert.Contains("SCRAM-SHA-256", status.LastError);
        Assert.NotNull(status.BackoffUntil);
        Assert.False(fixture.Mentioned(user));
    }

    [Theory]
    [InlineData(MailProtocol.Pop3, "PLAIN")]
    [InlineData(MailProtocol.Pop3, "USER")]
    [InlineData(MailProtocol.Imap, "LOGIN")]
    public async Task A_password_is_not_sent_without_tls_unless_allowed(MailProtocol protocol, string mechanism)
    {
        var (user, password) = fixture.NewUser();
        Dovecot.Deliver(user, TestMail.Simple("kept until TLS"));
        var grain = await fixture.Mailbox($"cleartext-{protocol}-{mechanism}", Incoming(protocol, user, password, [mechanism], allowPlaintext: false));

        var refused = await PollingFixture.PollAndWait(grain);

        Assert.Contains($"refuses to send the password unencrypted ({mechanism} without TLS); use TLS or allow it with --allow-plaintext-password", refused.LastError);
        Assert.NotNull(refused.BackoffUntil);
        Assert.Equal(1, Dovecot.CountMessages(user));
        Assert.False(fixture.Mentioned(user), "the login must be refused before the user name or password is sent");

        // Allowing it explicitly is the admin's choice (with the password typed again: a kept one never goes newly in the
        // clear), and then the same login works.
        var masked = (await grain.Export(false))!;
        await grain.Update(masked with { Incoming = masked.Incoming! with { AllowPlaintextPassword = true, Password = password } });
        var allowed = await PollingFixture.PollAndWait(grain);
        Assert.Null(allowed.LastError);
        Assert.Equal(0, Dovecot.CountMessages(user));
    }

    [Fact]
    public async Task Over_starttls_the_same_password_login_needs_no_permission()
    {
        var (user, password) = fixture.NewUser();
        var incoming = Incoming(MailProtocol.Pop3, user, password, ["PLAIN"], allowPlaintext: false) with
        {
            Tls = TlsMode.StartTls,
            Trust = new ServerTrust(null, Dovecot.CertificateSha256),
        };
        var grain = await fixture.Mailbox("starttls-plain", incoming);

        Assert.Null((await PollingFixture.PollAndWait(grain)).LastError);
        Assert.Equal("PLAIN", fixture.LoginMethod(user));
    }

    [Theory]
    [InlineData(MailProtocol.Imap, "CRAM-MD5")]
    [InlineData(MailProtocol.Imap, "SCRAM-SHA-256")]
    [InlineData(MailProtocol.Pop3, "APOP")]
    public async Task A_challenge_response_login_without_tls_needs_the_same_permission_as_a_password(MailProtocol protocol, string mechanism)
    {
        // A captured CRAM-MD5, SCRAM or APOP exchange can be cracked offline, so it is no reason to skip TLS unasked.
        var (user, password) = fixture.NewUser();
        Dovecot.Deliver(user, TestMail.Simple("kept until TLS or permission"));
        var grain = await fixture.Mailbox($"challenge-{protocol}-{mechanism}", Incoming(protocol, user, password, [mechanism], allowPlaintext: false));

        var refused = await PollingFixture.PollAndWait(grain);

        Assert.Contains($"refuses to log in with {mechanism} without TLS, since a captured exchange can be cracked offline; use TLS or allow it with --allow-plaintext-password", refused.LastError);
        Assert.Equal(1, Dovecot.CountMessages(user));
        Assert.False(fixture.Mentioned(user), "the login must be refused before the exchange starts");

        var masked = (await grain.Export(false))!;
        await grain.Update(masked with { Incoming = masked.Incoming! with { AllowPlaintextPassword = true, Password = password } });
        Assert.Null((await PollingFixture.PollAndWait(grain)).LastError);
        Assert.Equal(mechanism, fixture.LoginMethod(user));
    }

    [Fact]
    public async Task Without_tls_or_a_preference_no_login_is_tried_unless_allowed()
    {
        var (user, password) = fixture.NewUser();
        var grain = await fixture.Mailbox("default-no-tls", Incoming(MailProtocol.Imap, user, password, [], allowPlaintext: false));

        Assert.Contains("refuses to log in with SCRAM-SHA-256 without TLS", (await PollingFixture.PollAndWait(grain)).LastError);
        Assert.False(fixture.Mentioned(user));
    }

    [Theory]
    [InlineData(MailProtocol.Imap, OAuthSettings.XOAuth2)]
    [InlineData(MailProtocol.Pop3, OAuthSettings.OAuthBearer)]
    public async Task OAuth_logs_in_and_a_revoked_token_is_replaced(MailProtocol protocol, string mechanism)
    {
        var (user, _) = fixture.NewUser();
        var client = $"client-{user}";
        var secret = $"secret-{Guid.NewGuid():N}";
        fixture.OAuth.AddClient(client, secret, user);
        Dovecot.Deliver(user, TestMail.Simple("first"));
        var incoming = Incoming(protocol, user, null, [], allowPlaintext: false) with
        {
            Tls = TlsMode.StartTls,
            Trust = new ServerTrust(null, Dovecot.CertificateSha256),
            OAuth = new OAuthSettings(fixture.OAuth.TokenUrl, client, secret, "mail", mechanism),
        };
        var grain = await fixture.Mailbox($"oauth-{protocol}", incoming);

        var first = await PollingFixture.PollAndWait(grain);
        Assert.Null(first.LastError);
        Assert.Equal(1, first.Counts.Accepted);
        Assert.Equal(mechanism, fixture.LoginMethod(user));

        // Revoked before it expired: the cached token is refused, dropped, and a fresh one logs in.
        var granted = fixture.OAuth.Granted;
        fixture.OAuth.RevokeTokens(client);
        Dovecot.Deliver(user, TestMail.Simple("second"));
        var second = await PollingFixture.PollAndWait(grain);
        Assert.Null(second.LastError);
        Assert.Equal(2, second.Counts.Accepted);
        Assert.Equal(granted + 1, fixture.OAuth.Granted);

        // A revoked client gets no token at all: the poll fails with the endpoint's reason and backs off.
        fixture.OAuth.RevokeClient(client);
        Dovecot.Deliver(user, TestMail.Simple("third"));
        var refused = await PollingFixture.PollAndWait(grain);
        Assert.Contains($"OAuth token endpoint {fixture.OAuth.TokenUrl} refused the client: 401 invalid_client", refused.LastError);
        Assert.NotNull(refused.BackoffUntil);
        Assert.Equal(1, Dovecot.CountMessages(user));
        Assert.DoesNotContain(secret, refused.LastError);
    }

    [Fact]
    public async Task OAuth_bearer_tokens_are_not_sent_without_tls_unless_allowed()
    {
        var (user, _) = fixture.NewUser();
        fixture.OAuth.AddClient($"client-{user}", "s", user);
        var incoming = Incoming(MailProtocol.Imap, user, null, [], allowPlaintext: false) with
        {
            OAuth = new OAuthSettings(fixture.OAuth.TokenUrl, $"client-{user}", "s", null),
        };
        var grain = await fixture.Mailbox("oauth-cleartext", incoming);

        var granted = fixture.OAuth.Granted;
        Assert.Contains("refuses to send the OAuth token unencrypted (XOAUTH2 without TLS)", (await PollingFixture.PollAndWait(grain)).LastError);
        Assert.Equal(granted, fixture.OAuth.Granted);
    }

    [Fact]
    public async Task The_client_secret_is_sealed_and_shown_only_with_secrets()
    {
        var (user, _) = fixture.NewUser();
        var secret = $"never-shown-{Guid.NewGuid():N}";
        var clientId = $"client-id-{Guid.NewGuid():N}";
        var incoming = Incoming(MailProtocol.Imap, user, null, [], allowPlaintext: false) with
        {
            OAuth = new OAuthSettings(fixture.OAuth.TokenUrl, clientId, secret, null),
        };
        var grain = await fixture.Mailbox("oauth-secret", incoming, s => s with
        {
            Enabled = false,
            Outgoing = fixture.Relay() with
            {
                Relay = fixture.Relay().Relay! with { User = "relay", OAuth = new OAuthSettings(fixture.OAuth.TokenUrl, "c2", secret + "-smtp", null, OAuthSettings.OAuthBearer) },
            },
        });

        var view = (await grain.Get())!;
        Assert.Equal(Secret.Mask, view.Settings.Incoming!.OAuth!.ClientSecret);
        Assert.Equal(Secret.Mask, view.Settings.Outgoing!.Relay!.OAuth!.ClientSecret);
        Assert.DoesNotContain(secret, System.Text.Json.JsonSerializer.Serialize(await grain.Export(false)));
        var exported = (await grain.Export(true))!;
        Assert.Equal(secret, exported.Incoming!.OAuth!.ClientSecret);
        Assert.Equal(secret + "-smtp", exported.Outgoing!.Relay!.OAuth!.ClientSecret);

        // The stored state names the client but holds its secret only sealed.
        const string Stored = "SELECT COUNT(*) FROM OrleansStorage WHERE instr(CAST(PayloadBinary AS TEXT), @s) > 0";
        Assert.Equal(1, await fixture.Scalar(Stored, ("@s", clientId)));
        Assert.Equal(0, await fixture.Scalar(Stored, ("@s", secret)));

        // A masked secret sent back keeps the stored one.
        await grain.Update(view.Settings with { Enabled = false });
        Assert.Equal(secret, (await grain.Export(true))!.Incoming!.OAuth!.ClientSecret);
    }

    [Fact]
    public async Task The_smtp_relay_keeps_its_password_off_a_connection_without_tls_unless_allowed_and_honours_its_mechanism()
    {
        var grain = fixture.Client.GetGrain<IMailboxGrain>(MailboxKey.For("poll", "smtp-auth"));
        var relay = fixture.Relay().Relay! with { User = "relay-user", Password = "relay-password" };
        await grain.Create(MailboxSettings.Empty(MailboxType.Service) with { Enabled = true, Outgoing = fixture.Relay() with { Relay = relay } });
        var mail = new Outgoing.OutgoingMail(["customer@example.net"], "auth", "body");
        var outbox = fixture.Client.GetGrain<Outgoing.IOutboxGrain>(MailboxKey.For("poll", "smtp-auth"));

        // The send is queued at once; the outbox meets the refusal and holds the mail, saying why.
        await grain.Send(mail, null);
        await Held(outbox, "refuses to send the password unencrypted (PLAIN without TLS); use TLS or allow it with --smtp-allow-plaintext-password");

        var masked = (await grain.Export(false))!;
        await grain.Update(masked with { Outgoing = masked.Outgoing! with { Relay = masked.Outgoing.Relay! with { AuthMechanisms = ["CRAM-MD5"], AllowPlaintextPassword = true, Password = "relay-password" } } });
        await Held(outbox, "offers none of the chosen mechanisms (CRAM-MD5); it offers LOGIN, PLAIN");

        await grain.Update(masked with { Outgoing = masked.Outgoing! with { Relay = masked.Outgoing.Relay! with { AuthMechanisms = ["LOGIN"], AllowPlaintextPassword = true } } });
        var ticket = await grain.Send(mail, null);
        var sent = await fixture.Smtp.WaitFor(m => m.Message.MessageId == ticket.MessageId, TimeSpan.FromSeconds(10));
        Assert.Equal("relay-user", sent.AuthenticatedUser);
    }

    /// <summary>Waits until the outbox holds its mail for the given reason.</summary>
    private static async Task Held(Outgoing.IOutboxGrain outbox, string reason)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        Outgoing.OutboxStatus status;
        while ((status = await outbox.GetStatus()).Held?.Contains(reason) != true)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the outbox was never held for '{reason}': {status}");
            await Task.Delay(100);
        }
    }

    private IncomingSettings Incoming(MailProtocol protocol, string user, string? password, IReadOnlyList<string> mechanisms, bool allowPlaintext) =>
        new(protocol, "127.0.0.1", protocol == MailProtocol.Imap ? Dovecot.ImapPort : Dovecot.Pop3Port, TlsMode.None, user, password, mechanisms,
            AllowPlaintextPassword: allowPlaintext);
}
