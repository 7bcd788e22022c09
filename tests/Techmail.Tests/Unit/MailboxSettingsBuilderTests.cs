using Techmail.Client.Infrastructure;
using Techmail.Client.Mailboxes;
using Techmail.Mailboxes;
using Techmail.Tests.Support;

namespace Techmail.Tests.Unit;

public sealed class MailboxSettingsBuilderTests
{
    [Theory]
    [InlineData("spam=subject:contains:[SPAM]", "spam", FilterField.Subject, FilterMatch.Contains, "[SPAM]", null)]
    [InlineData("f=header:X-Spam-Flag:equals:YES", "f", FilterField.Header, FilterMatch.Equals, "YES", "X-Spam-Flag")]
    [InlineData("t=body:regex:^time: \\d+:\\d+$", "t", FilterField.Body, FilterMatch.Regex, "^time: \\d+:\\d+$", null)]
    [InlineData("d=domain:equals:spam.example", "d", FilterField.SenderDomain, FilterMatch.Equals, "spam.example", null)]
    [InlineData("a=from:contains:noreply@", "a", FilterField.FromAddress, FilterMatch.Contains, "noreply@", null)]
    public void Discard_filters_parse(string text, string name, FilterField field, FilterMatch match, string value, string? header) =>
        Assert.Equal(new DiscardFilter(name, field, match, value, header), MailboxSettingsBuilder.ParseFilter(text));

    [Theory]
    [InlineData("no-equals")]
    [InlineData("=subject:contains:x")]
    [InlineData("n=subject")]
    [InlineData("n=nowhere:contains:x")]
    [InlineData("n=subject:sounds-like:x")]
    [InlineData("n=header:X-Only")]
    public void Malformed_filters_are_usage_errors(string text) =>
        Assert.Equal(ExitCodes.Usage, Assert.Throws<CommandFailure>(() => MailboxSettingsBuilder.ParseFilter(text)).ExitCode);

    [Theory]
    [InlineData("512KB", 512L * 1024)]
    [InlineData("10MB", 10L << 20)]
    [InlineData("1.5m", 3L << 19)]
    [InlineData("2GB", 2L << 30)]
    [InlineData("1048576", 1048576L)]
    [InlineData("none", null)]
    public void Sizes_parse(string text, long? bytes) => Assert.Equal(bytes, MailboxSettingsBuilder.ParseSize("--x", text));

    [Theory]
    [InlineData("90s", 90)]
    [InlineData("5m", 300)]
    [InlineData("1h", 3600)]
    [InlineData("00:02:00", 120)]
    public void Durations_parse(string text, int seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), MailboxSettingsBuilder.ParseDuration("--x", text));

    [Theory]
    [InlineData("-5m")]
    [InlineData("soon")]
    [InlineData("0s")]
    public void Bad_durations_are_usage_errors(string text) =>
        Assert.Throws<CommandFailure>(() => MailboxSettingsBuilder.ParseDuration("--x", text));

    [Fact]
    public void Update_changes_only_what_is_given()
    {
        var current = MailboxSecrets.Mask(Samples.Service());
        var updated = MailboxSettingsBuilder.Apply(current, new MailboxEditSettings { Name = "a", Port = 1995, BlockType = [".exe"], Disable = true });

        Assert.Equal(1995, updated.Incoming!.Port);
        Assert.Equal(current.Incoming!.Host, updated.Incoming.Host);
        Assert.Equal(Secret.Mask, updated.Incoming.Password);
        Assert.Equal(current.Outgoing, updated.Outgoing);
        Assert.Equal([".exe"], updated.Attachments.BlockedTypes);
        Assert.False(updated.Enabled);
    }

    [Fact]
    public void Sections_can_be_removed_and_lists_cleared()
    {
        var current = Samples.Service() with { RejectForwardAddresses = ["a@example.com"], DiscardFilters = [new DiscardFilter("x", FilterField.Body, FilterMatch.Contains, "y")] };
        var updated = MailboxSettingsBuilder.Apply(current, new MailboxEditSettings { Name = "a", NoOutgoing = true, ClearRejectForward = true, ClearDiscards = true });

        Assert.Null(updated.Outgoing);
        Assert.Empty(updated.RejectForwardAddresses);
        Assert.Empty(updated.DiscardFilters);
        Assert.Throws<CommandFailure>(() => MailboxSettingsBuilder.Apply(current, new MailboxEditSettings { Name = "a", NoIncoming = true, Host = "x" }));
        Assert.Throws<CommandFailure>(() => MailboxSettingsBuilder.Apply(current, new MailboxEditSettings { Name = "a", Enable = true, Disable = true }));
    }

    [Fact]
    public void Password_from_standard_input_is_used_for_incoming_and_relay()
    {
        var lines = new Queue<string>(["pop-secret", "smtp-secret"]);
        var built = MailboxSettingsBuilder.Apply(
            MailboxSettings.Empty(MailboxType.Service),
            new MailboxEditSettings { Name = "a", Host = "h.example.com", PasswordStdin = true, SmtpHost = "s.example.com", SmtpUser = "u", SmtpPasswordStdin = true },
            lines.Dequeue);

        Assert.Equal("pop-secret", built.Incoming!.Password);
        Assert.Equal("smtp-secret", built.Outgoing!.Relay!.Password);
    }

    [Fact]
    public void Authentication_options_set_mechanisms_plaintext_permission_and_oauth_on_each_side()
    {
        using var file = new TempDirectory("techmail-secret");
        var secretFile = file.File("secret");
        File.WriteAllText(secretFile, "smtp-client-secret\n");
        var lines = new Queue<string>(["incoming-client-secret"]);

        var built = MailboxSettingsBuilder.Apply(
            MailboxSettings.Empty(MailboxType.Service),
            new MailboxEditSettings
            {
                Name = "a", Host = "h.example.com", Account = "a", AllowPlaintextPassword = true,
                OAuthTokenUrl = "https://login.example.com/token", OAuthClientId = "in", OAuthClientSecretStdin = true, OAuthScope = "mail", OAuthMechanism = "oauthbearer",
                SmtpHost = "s.example.com", SmtpUser = "u", SmtpAuth = ["login", "plain"],
                SmtpOAuthTokenUrl = "https://login.example.com/token", SmtpOAuthClientId = "out", SmtpOAuthClientSecretFile = secretFile,
            },
            lines.Dequeue);

        Assert.True(built.Incoming!.AllowPlaintextPassword);
        Assert.Equal(new OAuthSettings("https://login.example.com/token", "in", "incoming-client-secret", "mail", OAuthSettings.OAuthBearer), built.Incoming.OAuth);
        var relay = built.Outgoing!.Relay!;
        Assert.Equal(["LOGIN", "PLAIN"], relay.AuthMechanisms);
        Assert.False(relay.AllowPlaintextPassword);
        Assert.Equal(new OAuthSettings("https://login.example.com/token", "out", "smtp-client-secret", null, OAuthSettings.XOAuth2), relay.OAuth);

        // Update changes only what is given; --no-oauth and --deny-plaintext-password undo.
        var updated = MailboxSettingsBuilder.Apply(built, new MailboxEditSettings { Name = "a", NoOAuth = true, DenyPlaintextPassword = true, SmtpOAuthScope = "smtp" });
        Assert.Null(updated.Incoming!.OAuth);
        Assert.False(updated.Incoming.AllowPlaintextPassword);
        Assert.Equal("smtp", updated.Outgoing!.Relay!.OAuth!.Scope);
        Assert.Equal("smtp-client-secret", updated.Outgoing.Relay.OAuth.ClientSecret);

        Assert.Throws<CommandFailure>(() => MailboxSettingsBuilder.Apply(built, new MailboxEditSettings { Name = "a", NoOAuth = true, OAuthScope = "x" }));
        Assert.Throws<CommandFailure>(() => MailboxSettingsBuilder.Apply(built, new MailboxEditSettings { Name = "a", AllowPlaintextPassword = true, DenyPlaintextPassword = true }));
    }
}
