using Techmail.Mailboxes;
using Techmail.Silo.WebConsole.Admin.Mailboxes;
using Techmail.Tests.Support;
using F = Techmail.Silo.WebConsole.Admin.Mailboxes.MailboxFields;

namespace Techmail.Tests.Unit;

public sealed class AdminMailboxFormTests
{
    private static MailboxForm Post(MailboxForm shown, params (string Field, string Value)[] changes)
    {
        // What a browser sends back: every field as shown, with the person's changes; checkboxes left unticked are absent.
        var fields = F.All.Select(f => (f, shown[f]))
            .Concat(Enumerable.Range(0, shown.FilterRows).SelectMany(row =>
                new[] { F.FilterName, F.FilterField, F.FilterMatch, F.FilterValue, F.FilterHeader }.Select(p => (F.Filter(row, p), shown[F.Filter(row, p)]))))
            .ToDictionary(p => p.Item1, p => p.Item2);
        foreach (var (field, value) in changes)
        {
            fields[field] = value;
        }

        return MailboxForm.Posted(fields.Where(p => p.Value.Length > 0).Select(p => KeyValuePair.Create(p.Key, (string?)p.Value)), shown.HasStoredSecrets);
    }

    [Fact]
    public void Stored_settings_come_back_unchanged_through_the_form_except_secrets_which_the_engine_keeps()
    {
        var stored = Samples.Service() with
        {
            Incoming = Samples.Pop3() with { AuthMechanisms = ["SCRAM-SHA-256", "PLAIN"], TrustedAuthServIds = ["mx.example.com"], Trust = new ServerTrust(null, new string('a', 64)) },
            DiscardFilters = [new DiscardFilter("spam", FilterField.Header, FilterMatch.Equals, "YES", "X-Spam-Flag"), new DiscardFilter("ads", FilterField.Subject, FilterMatch.Regex, "^\\[AD\\]")],
            Attachments = new AttachmentPolicy(10L << 20, 25L << 20, [], [".exe", "application/x-msdownload"]),
            RejectForwardAddresses = ["postmaster@example.com", "abuse@example.com"],
            PollInterval = TimeSpan.FromMinutes(2),
            Smime = new SmimeSettings(true, SmimeEncryption.WhenKnown, false, true),
        };
        // The form shows "any mechanism" as an empty list, which the engine reads as null does.
        stored = stored with { Outgoing = stored.Outgoing! with { Relay = stored.Outgoing.Relay! with { AuthMechanisms = [] } } };

        var shown = MailboxForm.From(stored, "support");
        Assert.Equal("", shown[F.Password]);
        Assert.True(shown.HasStoredSecrets);
        var settings = Post(shown).ToSettings(stored);

        Assert.NotNull(settings);
        // The password is not in the page, so it comes back as "keep the stored one" (null), which the engine honours.
        Assert.Null(settings.Incoming!.Password);
        Assert.Empty(MailboxSettingsValidator.Validate(settings, stored));
        var expected = stored with { Incoming = stored.Incoming! with { Password = null }, Outgoing = stored.Outgoing! with { Relay = stored.Outgoing.Relay! with { Password = null } } };
        Assert.Equal(Json(expected), Json(settings));
    }

    [Fact]
    public void A_delegated_mailbox_and_a_service_account_relay_keep_their_flow_and_endpoints_through_the_form()
    {
        using var key = System.Security.Cryptography.RSA.Create(2048);
        // Saving such a mailbox from the console once rebuilt its OAuth settings as client credentials without the
        // authorization endpoints, so an admin who changed only the poll interval broke the consent login.
        var stored = Samples.Service() with
        {
            Incoming = Samples.Pop3() with
            {
                Protocol = MailProtocol.Imap,
                Port = 993,
                Password = null,
                // The form shows "none" as an empty list, which the engine reads as null does.
                TrustedAuthServIds = [],
                OAuth = new OAuthSettings("https://login.example.com/token", "techmail-app", "app-secret", "https://mail.example.com/IMAP offline_access",
                    OAuthSettings.OAuthBearer, OAuthFlow.Delegated, "https://login.example.com/authorize", "https://login.example.com/device"),
            },
        };
        stored = stored with
        {
            Outgoing = stored.Outgoing! with
            {
                Relay = stored.Outgoing.Relay! with
                {
                    Password = null,
                    AuthMechanisms = [],
                    OAuth = new OAuthSettings("https://oauth2.example.com/token", "sa@example.iam", Techmail.Tests.Connections.ServiceAccountTests.KeyFile("sa@example.iam", key), "https://mail.example.com/",
                        OAuthSettings.XOAuth2, OAuthFlow.ServiceAccount),
                },
            },
        };

        var shown = MailboxForm.From(stored, "support");
        Assert.Equal("Delegated", shown[F.OAuthFlow]);
        Assert.Equal("https://login.example.com/device", shown[F.OAuthDeviceAuthorizationUrl]);
        Assert.Equal("ServiceAccount", shown[F.RelayOAuthFlow]);
        Assert.Equal("", shown[F.RelayOAuthClientSecret]);
        var settings = Post(shown, (F.PollInterval, "7")).ToSettings(stored);

        Assert.NotNull(settings);
        Assert.Empty(MailboxSettingsValidator.Validate(settings, stored));
        var expected = stored with
        {
            PollInterval = TimeSpan.FromMinutes(7),
            Incoming = stored.Incoming! with { OAuth = stored.Incoming.OAuth! with { ClientSecret = null } },
            Outgoing = stored.Outgoing! with { Relay = stored.Outgoing.Relay! with { OAuth = stored.Outgoing.Relay.OAuth! with { ClientSecret = null } } },
        };
        Assert.Equal(Json(expected), Json(settings));
    }

    [Fact]
    public void A_flow_the_engine_does_not_know_is_refused_next_to_its_field_and_a_delegated_flow_without_endpoints_is_the_engines_to_refuse()
    {
        var typed = Post(MailboxForm.Blank(MailboxType.Service),
            (F.Host, "mail.example.com"), (F.Account, "support"), (F.OAuthTokenUrl, "https://login.example.com/token"), (F.OAuthClientId, "app"),
            (F.OAuthFlow, "Implicit"));
        Assert.Null(typed.ToSettings(stored: null));
        Assert.Contains("Delegated", Assert.Single(typed.ErrorsFor(F.OAuthFlow)));

        var delegated = Post(MailboxForm.Blank(MailboxType.Service),
            (F.Host, "mail.example.com"), (F.Account, "support"), (F.OAuthTokenUrl, "https://login.example.com/token"), (F.OAuthClientId, "app"),
            (F.OAuthClientSecret, "secret"), (F.OAuthFlow, "Delegated"));
        var settings = delegated.ToSettings(stored: null);
        Assert.NotNull(settings);
        Assert.Equal(OAuthFlow.Delegated, settings.Incoming!.OAuth!.Flow);
        delegated.AddEngineErrors(MailboxSettingsValidator.Validate(settings));
        Assert.Contains("authorizationUrl is required", Assert.Single(delegated.ErrorsFor(F.OAuthDeviceAuthorizationUrl)));
    }

    [Fact]
    public void A_port_out_of_range_reaches_the_engine_and_its_message_lands_next_to_the_port()
    {
        var form = Post(MailboxForm.Blank(MailboxType.Service),
            (F.Host, "mail.example.com"), (F.Account, "support"), (F.Password, "s3cret"), (F.Port, "70000"));
        var settings = form.ToSettings(stored: null);

        Assert.NotNull(settings);
        Assert.Equal(70000, settings.Incoming!.Port);
        form.AddEngineErrors(MailboxSettingsValidator.Validate(settings));
        Assert.Equal(["70000 is not a port (1-65535)."], form.ErrorsFor(F.Port));
        Assert.Empty(form.GeneralErrors);
        // What was typed is shown again (but never the password).
        Assert.Equal("70000", form[F.Port]);
    }

    [Fact]
    public void The_retry_window_goes_through_the_form_in_days_empty_for_the_default_and_a_service_mailbox_is_told_next_to_the_field()
    {
        var stored = Samples.Marketing() with { SoftBounceRetryWindow = TimeSpan.FromDays(1.5) };
        var shown = MailboxForm.From(stored, "news");
        Assert.Equal("1.5", shown[F.SoftBounceRetryWindow]);
        Assert.Equal(TimeSpan.FromDays(1.5), Post(shown).ToSettings(stored)!.SoftBounceRetryWindow);
        Assert.Null(Post(shown, (F.SoftBounceRetryWindow, "")).ToSettings(stored)!.SoftBounceRetryWindow);

        var service = Post(MailboxForm.Blank(MailboxType.Service),
            (F.Host, "mail.example.com"), (F.Account, "support"), (F.Password, "s3cret"), (F.SoftBounceRetryWindow, "3"));
        var settings = service.ToSettings(stored: null);
        Assert.NotNull(settings);
        service.AddEngineErrors(MailboxSettingsValidator.Validate(settings));
        Assert.Contains("Marketing mailboxes", Assert.Single(service.ErrorsFor(F.SoftBounceRetryWindow)));

        var huge = Post(MailboxForm.Blank(MailboxType.Marketing), (F.SoftBounceRetryWindow, "99999999"));
        Assert.Null(huge.ToSettings(null));
        Assert.Single(huge.ErrorsFor(F.SoftBounceRetryWindow));
    }

    [Fact]
    public void Text_that_is_not_a_number_is_refused_by_the_form_naming_the_field()
    {
        var form = Post(MailboxForm.Blank(MailboxType.Service), (F.Port, "9x"), (F.PollInterval, "five"), (F.MaxAttachment, "10MB"));

        Assert.Null(form.ToSettings(null));
        Assert.Equal(["'9x' is not a whole number."], form.ErrorsFor(F.Port));
        Assert.Equal(["'five' is not a number."], form.ErrorsFor(F.PollInterval));
        Assert.Equal(["'10MB' is not a number."], form.ErrorsFor(F.MaxAttachment));
    }

    [Fact]
    public void Engine_errors_about_list_entries_go_to_the_list_and_those_about_filters_to_the_row_they_were_typed_in()
    {
        var form = Post(MailboxForm.Blank(MailboxType.Service),
            (F.Host, "mail.example.com"), (F.Account, "support"), (F.Password, "s3cret"),
            (F.HasOutgoing, "true"), (F.EnvelopeFrom, "bounces@example.com"), (F.RelayHost, "smtp.example.com"),
            (F.RejectForward, "postmaster@example.com\nnot an address"),
            // Row 0 left blank, row 1 filled in: the engine's filter 0 is the form's row 1.
            (F.Filter(1, F.FilterName), "bad"), (F.Filter(1, F.FilterField), "Subject"), (F.Filter(1, F.FilterMatch), "Regex"), (F.Filter(1, F.FilterValue), "(unclosed"));
        var settings = form.ToSettings(null);

        Assert.NotNull(settings);
        Assert.Single(settings.DiscardFilters);
        form.AddEngineErrors(MailboxSettingsValidator.Validate(settings));
        Assert.Equal(["'not an address' is not an email address."], form.ErrorsFor(F.RejectForward));
        Assert.Single(form.ErrorsFor(F.Filter(1, F.FilterValue)));
        Assert.StartsWith("the regular expression does not compile", form.ErrorsFor(F.Filter(1, F.FilterValue)).Single());
        Assert.Empty(form.ErrorsFor(F.Filter(0, F.FilterValue)));
    }

    [Fact]
    public void Outgoing_without_a_relay_points_at_the_relay_host_and_errors_about_no_field_go_above_the_form()
    {
        var form = Post(MailboxForm.Blank(MailboxType.Service), (F.HasIncoming, ""), (F.HasOutgoing, "true"), (F.EnvelopeFrom, "bounces@example.com"),
            (F.AllowedTypes, ".pdf"), (F.BlockedTypes, ".PDF"));
        var settings = form.ToSettings(null);

        Assert.NotNull(settings);
        Assert.Null(settings.Incoming);
        form.AddEngineErrors(MailboxSettingsValidator.Validate(settings));
        Assert.Equal(["an SMTP relay (host) is required to send."], form.ErrorsFor(F.RelayHost));
        Assert.Contains(form.GeneralErrors, e => e.EngineField == "attachments" && e.Message.Contains("cannot be both allowed and blocked", StringComparison.Ordinal));
    }

    [Fact]
    public void An_empty_secret_keeps_the_stored_one_and_a_typed_secret_replaces_it()
    {
        var stored = Samples.Service();
        var kept = Post(MailboxForm.From(stored, "support")).ToSettings(stored)!;
        var replaced = Post(MailboxForm.From(stored, "support"), (F.Password, "new secret ")).ToSettings(stored)!;

        Assert.True(Secret.KeepsStored(kept.Incoming!.Password));
        Assert.Empty(MailboxSettingsValidator.Validate(kept, stored));
        Assert.Equal("new secret ", replaced.Incoming!.Password);
    }

    [Fact]
    public void A_new_mailbox_without_a_password_is_told_by_the_engine_that_it_is_required()
    {
        var form = Post(MailboxForm.Blank(MailboxType.Marketing), (F.Host, "mail.example.com"), (F.Account, "bounces"));
        var settings = form.ToSettings(null)!;

        Assert.Equal(MailboxType.Marketing, settings.Type);
        Assert.False(settings.Enabled);
        form.AddEngineErrors(MailboxSettingsValidator.Validate(settings));
        Assert.Equal(["is required."], form.ErrorsFor(F.Password));
    }

    [Fact]
    public void Fields_the_form_does_not_have_are_not_read_from_a_post()
    {
        var form = MailboxForm.Posted([KeyValuePair.Create("enabled", (string?)"true"), KeyValuePair.Create("discardFilters[5000].name", (string?)"x"), KeyValuePair.Create(F.Host, (string?)"h")], false);

        Assert.Equal("", form["enabled"]);
        Assert.Equal("", form["discardFilters[5000].name"]);
        Assert.Equal("h", form[F.Host]);
        Assert.Equal(MailboxForm.BlankFilterRows, form.FilterRows);
    }

    [Fact]
    public void A_form_posted_again_and_again_keeps_its_filled_filter_rows_and_the_usual_blanks()
    {
        var form = Post(MailboxForm.Blank(MailboxType.Service), (F.Filter(0, F.FilterName), "spam"), (F.Filter(0, F.FilterValue), "x"));
        var again = Post(Post(form));

        Assert.Equal(1 + MailboxForm.BlankFilterRows, again.FilterRows);
        Assert.Equal(MailboxForm.BlankFilterRows, Post(Post(MailboxForm.Blank(MailboxType.Service))).FilterRows);
    }

    private static string Json(MailboxSettings settings) => System.Text.Json.JsonSerializer.Serialize(settings);
}
