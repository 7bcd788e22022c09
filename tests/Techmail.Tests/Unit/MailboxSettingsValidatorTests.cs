using Techmail.Mailboxes;
using Techmail.Tests.Support;

namespace Techmail.Tests.Unit;

public sealed class MailboxSettingsValidatorTests
{
    private static IReadOnlyList<string> Fields(MailboxSettings settings, MailboxSettings? stored = null) =>
        MailboxSettingsValidator.Validate(settings, stored).Select(e => e.Field).ToList();

    [Fact]
    public void Sample_settings_are_valid() => Assert.Empty(Fields(Samples.Service()));

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(65536)]
    public void Ports_must_be_in_range(int port)
    {
        Assert.Contains("incoming.port", Fields(Samples.Service() with { Incoming = Samples.Pop3() with { Port = port } }));
        var relay = Samples.Outgoing().Relay! with { Port = port };
        Assert.Contains("outgoing.relay.port", Fields(Samples.Service() with { Outgoing = Samples.Outgoing() with { Relay = relay } }));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not an address")]
    [InlineData("user@")]
    [InlineData("@example.com")]
    [InlineData("user@localhost")]
    [InlineData("a@b.com, c@d.com")]
    [InlineData("user@exa mple.com")]
    public void Addresses_must_parse(string address)
    {
        Assert.Contains("outgoing.envelopeFrom", Fields(Samples.Service() with { Outgoing = Samples.Outgoing(address) }));
        if (address.Length > 0)
        {
            Assert.Contains("outgoing.replyTo", Fields(Samples.Service() with { Outgoing = Samples.Outgoing() with { ReplyTo = address } }));
            Assert.Contains("rejectForward[0]", Fields(Samples.Service() with { RejectForwardAddresses = [address] }));
        }
    }

    [Theory]
    [InlineData("Support <support@example.com>")]
    [InlineData("first.last+tag@sub.example.co.uk")]
    public void Real_addresses_pass(string address) =>
        Assert.Empty(Fields(Samples.Service() with { Outgoing = Samples.Outgoing(address), RejectForwardAddresses = [address] }));

    [Fact]
    public void Incoming_needs_host_account_and_password()
    {
        var fields = Fields(Samples.Service() with { Incoming = new IncomingSettings(MailProtocol.Pop3, "", null, TlsMode.Auto, " ", null, []) });
        Assert.Contains("incoming.host", fields);
        Assert.Contains("incoming.account", fields);
        Assert.Contains("incoming.password", fields);
    }

    [Fact]
    public void Trusted_authserv_ids_are_host_name_like_tokens_each_listed_once()
    {
        Assert.Empty(Fields(Samples.Service() with { Incoming = Samples.Pop3() with { TrustedAuthServIds = ["mx.example.com", "mx2.example.com"], AllowAnyReplyTo = true } }));
        Assert.Equal(
            ["incoming.trustedAuthServIds[0]", "incoming.trustedAuthServIds[1]", "incoming.trustedAuthServIds[2]", "incoming.trustedAuthServIds[4]"],
            Fields(Samples.Service() with { Incoming = Samples.Pop3() with { TrustedAuthServIds = ["", "mx example.com", "mx.example.com;dmarc=pass", "mx.example.com", "MX.example.com"] } }));
        Assert.Equal(["incoming.trustedAuthServIds"], Fields(Samples.Service() with { Incoming = Samples.Pop3() with { TrustedAuthServIds = [.. Enumerable.Range(0, 21).Select(i => $"mx{i}.example.com")] } }));
    }

    [Fact]
    public void Push_needs_imap()
    {
        Assert.Contains("incoming.push", Fields(Samples.Service() with { Incoming = Samples.Pop3() with { Push = true } }));
        Assert.DoesNotContain("incoming.push", Fields(Samples.Service() with { Incoming = Samples.Pop3() with { Protocol = MailProtocol.Imap, Push = true } }));
    }

    [Fact]
    public void A_masked_password_is_fine_only_when_one_is_stored()
    {
        var masked = Samples.Service() with { Incoming = Samples.Pop3(password: Secret.Mask) };
        Assert.Contains("incoming.password", Fields(masked));
        Assert.DoesNotContain("incoming.password", Fields(masked, stored: Samples.Service()));
    }

    [Fact]
    public void Outgoing_needs_envelope_from_and_a_relay()
    {
        Assert.Contains("outgoing.relay", Fields(Samples.Service() with { Outgoing = Samples.Outgoing() with { Relay = null } }));
        var noHost = Samples.Outgoing() with { Relay = new SmtpRelaySettings("", null, TlsMode.Auto, null, null) };
        Assert.Contains("outgoing.relay.host", Fields(Samples.Service() with { Outgoing = noHost }));
        var userNoPassword = Samples.Outgoing() with { Relay = new SmtpRelaySettings("smtp.example.com", null, TlsMode.Auto, "u", null) };
        Assert.Contains("outgoing.relay.password", Fields(Samples.Service() with { Outgoing = userNoPassword }));
    }

    [Fact]
    public void Regex_filters_must_compile_and_filters_need_unique_names_and_header_names()
    {
        var filters = new[]
        {
            new DiscardFilter("a", FilterField.Subject, FilterMatch.Regex, "([unclosed"),
            new DiscardFilter("a", FilterField.Body, FilterMatch.Contains, "x"),
            new DiscardFilter("h", FilterField.Header, FilterMatch.Equals, "YES"),
            new DiscardFilter("bad-header", FilterField.Header, FilterMatch.Equals, "YES", "X Bad:Name"),
            new DiscardFilter("stray", FilterField.Subject, FilterMatch.Equals, "x", "X-Stray"),
            new DiscardFilter("empty", FilterField.Subject, FilterMatch.Equals, ""),
        };
        var errors = MailboxSettingsValidator.Validate(Samples.Service() with { DiscardFilters = filters });

        Assert.Contains(errors, e => e.Field == "discardFilters[0].value" && e.Message.Contains("does not compile"));
        Assert.Contains(errors, e => e.Field == "discardFilters[1].name");
        Assert.Contains(errors, e => e.Field == "discardFilters[2].headerName");
        Assert.Contains(errors, e => e.Field == "discardFilters[3].headerName");
        Assert.Contains(errors, e => e.Field == "discardFilters[4].headerName");
        Assert.Contains(errors, e => e.Field == "discardFilters[5].value");
    }

    [Fact]
    public void Attachment_types_and_sizes_are_checked()
    {
        var policy = new AttachmentPolicy(20, 10, ["pdf", ".pdf", "image/*"], [".PDF", "application/x-msdownload", "not a type"]);
        var errors = MailboxSettingsValidator.Validate(Samples.Service() with { Attachments = policy });

        Assert.Contains(errors, e => e.Field == "attachments.maxAttachmentBytes" && e.Message.Contains("exceed"));
        Assert.Contains(errors, e => e.Field == "attachments.allowedTypes" && e.Message.Contains("'pdf'"));
        Assert.Contains(errors, e => e.Field == "attachments.blockedTypes" && e.Message.Contains("'not a type'"));
        Assert.Contains(errors, e => e.Field == "attachments" && e.Message.Contains("both allowed and blocked"));
        Assert.Contains("attachments.maxMessageBytes", Fields(Samples.Service() with { Attachments = AttachmentPolicy.None with { MaxMessageBytes = 0 } }));
    }

    [Theory]
    [InlineData(59, true)]
    [InlineData(60, false)]
    [InlineData(86400, false)]
    [InlineData(86401, true)]
    public void Poll_interval_is_at_least_a_minute_and_at_most_a_day(int seconds, bool refused) =>
        Assert.Equal(refused, Fields(Samples.Service() with { PollInterval = TimeSpan.FromSeconds(seconds) }).Contains("pollInterval"));

    [Theory]
    [InlineData(null, false)]
    [InlineData(0.0, true)]
    [InlineData(-1.0, true)]
    [InlineData(0.5, false)]
    [InlineData(1.0, false)]
    [InlineData(30.0, false)]
    [InlineData(30.01, true)]
    public void A_marketing_mailbox_s_retry_window_is_more_than_zero_and_at_most_30_days(double? days, bool refused)
    {
        var settings = Samples.Marketing() with { SoftBounceRetryWindow = days is { } d ? TimeSpan.FromDays(d) : null };
        var errors = MailboxSettingsValidator.Validate(settings);
        Assert.Equal(refused, errors.Any(e => e.Field == "softBounceRetryWindow"));
        if (refused)
        {
            Assert.StartsWith("must be more than zero and at most 30 days", errors.Single(e => e.Field == "softBounceRetryWindow").Message);
        }

        Assert.Equal(days is { } set ? TimeSpan.FromDays(set) : TimeSpan.FromDays(7), settings.EffectiveSoftBounceRetryWindow);
    }

    [Fact]
    public void A_service_mailbox_has_no_retry_window_and_is_told_why()
    {
        var error = Assert.Single(MailboxSettingsValidator.Validate(Samples.Service() with { SoftBounceRetryWindow = TimeSpan.FromDays(1) }));
        Assert.Equal("softBounceRetryWindow", error.Field);
        Assert.Contains("Marketing mailboxes", error.Message);
        Assert.Empty(Fields(Samples.Service() with { SoftBounceRetryWindow = null }));
    }

    [Fact]
    public void Enabled_mailbox_needs_a_direction_and_forwarding_needs_outgoing()
    {
        Assert.Contains("enabled", Fields(MailboxSettings.Empty(MailboxType.Service) with { Enabled = true }));
        Assert.Empty(Fields(MailboxSettings.Empty(MailboxType.Service)));
        Assert.Contains("rejectForward", Fields(Samples.Marketing() with { RejectForwardAddresses = ["a@example.com"] }));
    }

    [Fact]
    public void Unknown_enum_values_and_mechanisms_are_refused()
    {
        var fields = Fields(Samples.Service() with
        {
            Type = (MailboxType)7,
            Incoming = Samples.Pop3() with { Tls = (TlsMode)9, AuthMechanisms = ["ROT13"] },
        });
        Assert.Contains("type", fields);
        Assert.Contains("incoming.tls", fields);
        Assert.Contains("incoming.authMechanisms", fields);
        Assert.Contains("incoming.authMechanisms", Fields(Samples.Service() with { Incoming = Samples.Pop3() with { Protocol = MailProtocol.Imap, AuthMechanisms = ["APOP"] } }));
    }

    [Fact]
    public void Direction_follows_from_the_settings_present()
    {
        Assert.Equal(MailboxDirection.Incoming, Samples.Marketing().Direction);
        Assert.Equal(MailboxDirection.Both, Samples.Service().Direction);
        Assert.Equal(MailboxDirection.Outgoing, (Samples.Service() with { Incoming = null }).Direction);
        Assert.False((Samples.Service() with { Incoming = null }).Polls);
        Assert.False(Samples.Service(enabled: false).Polls);
    }

    [Theory]
    [InlineData("https://login.example.com/token", null)]
    [InlineData("http://127.0.0.1:8080/token", null)]
    [InlineData("http://localhost/token", null)]
    [InlineData("http://login.example.com/token", "incoming.oauth.tokenUrl")]
    [InlineData("ftp://login.example.com/token", "incoming.oauth.tokenUrl")]
    public void OAuth_token_endpoints_must_be_https_or_loopback(string url, string? field)
    {
        var settings = Samples.Service() with { Incoming = Samples.Pop3(password: null) with { OAuth = new OAuthSettings(url, "id", "secret", null) } };
        var fields = MailboxSettingsValidator.Validate(settings).Select(e => e.Field).ToList();
        if (field is null)
        {
            Assert.Empty(fields);
        }
        else
        {
            Assert.Equal([field], fields);
        }
    }

    [Fact]
    public void OAuth_needs_a_client_a_secret_a_known_mechanism_and_for_smtp_a_user()
    {
        var oauth = new OAuthSettings("https://login.example.com/token", " ", null, null, "PLAIN");
        var settings = Samples.Service() with
        {
            Incoming = Samples.Pop3(password: null) with { OAuth = oauth },
            Outgoing = Samples.Outgoing() with { Relay = Samples.Outgoing().Relay! with { User = null, Password = null, OAuth = oauth, AuthMechanisms = ["APOP"] } },
        };

        var fields = MailboxSettingsValidator.Validate(settings).Select(e => e.Field).Order().ToList();

        Assert.Equal(
            ["incoming.oauth.clientId", "incoming.oauth.clientSecret", "incoming.oauth.mechanism",
             "outgoing.relay.authMechanisms", "outgoing.relay.oauth.clientId", "outgoing.relay.oauth.clientSecret", "outgoing.relay.oauth.mechanism", "outgoing.relay.user"],
            fields);
    }

    [Fact]
    public void Delegated_consent_needs_no_secret_but_a_way_to_connect_and_safe_endpoints()
    {
        var delegated = new OAuthSettings("https://login.example.com/token", "app", null, "mail", OAuthSettings.XOAuth2, OAuthFlow.Delegated);
        Assert.Equal(["incoming.oauth.deviceAuthorizationUrl"], Fields(Samples.Service() with { Incoming = Samples.Pop3(password: null) with { OAuth = delegated } }));

        var connectable = delegated with { DeviceAuthorizationUrl = "https://login.example.com/device" };
        Assert.Empty(Fields(Samples.Service() with { Incoming = Samples.Pop3(password: null) with { OAuth = connectable } }));

        var plain = delegated with { AuthorizationUrl = "http://login.example.com/authorize" };
        Assert.Equal(["incoming.oauth.authorizationUrl"], Fields(Samples.Service() with { Incoming = Samples.Pop3(password: null) with { OAuth = plain } }));
    }

    [Fact]
    public void A_service_account_needs_its_key_file_and_a_broken_one_is_named_without_its_content()
    {
        var account = new OAuthSettings("https://oauth2.googleapis.com/token", "mailer@project.iam.gserviceaccount.com", null, "https://mail.google.com/", OAuthSettings.XOAuth2, OAuthFlow.ServiceAccount);
        Assert.Equal(["incoming.oauth.clientSecret"], Fields(Samples.Service() with { Incoming = Samples.Pop3(password: null) with { OAuth = account } }));

        var broken = account with { ClientSecret = "{\"client_email\": \"x@y\", \"private_key\": \"not a key -- secret-ish\"}" };
        var errors = MailboxSettingsValidator.Validate(Samples.Service() with { Incoming = Samples.Pop3(password: null) with { OAuth = broken } });
        var error = Assert.Single(errors);
        Assert.Contains("not an RSA key in PEM", error.ToString());
        Assert.DoesNotContain("secret-ish", error.ToString());
    }
}
