using Techmail.Mailboxes;
using Techmail.Tenants;
using Techmail.Tests.Support;

namespace Techmail.Tests.Cluster;

[Collection(SqliteClusterCollection.Name)]
public sealed class SqliteMailboxGrainTests(SqliteClusterFixture fixture) : MailboxGrainTests(fixture);

[Collection(PostgresClusterCollection.Name)]
public sealed class PostgresMailboxGrainTests(PostgresClusterFixture fixture) : MailboxGrainTests(fixture);

/// <summary>The mailbox grain's behaviour, the same on every storage profile.</summary>
public abstract class MailboxGrainTests(ClusterFixture fixture)
{
    private static string NewTenant() => "t" + Guid.NewGuid().ToString("N")[..12];

    private IMailboxGrain Mailbox(string tenant, string name) =>
        fixture.Client.GetGrain<IMailboxGrain>(MailboxKey.For(tenant, name));

    [Fact]
    public async Task Create_then_get_returns_every_setting_with_secrets_masked()
    {
        var tenant = NewTenant();
        var settings = Samples.Service() with
        {
            DiscardFilters = [new DiscardFilter("spam", FilterField.Header, FilterMatch.Equals, "YES", "X-Spam-Flag")],
            Attachments = new AttachmentPolicy(1 << 20, 10 << 20, [".pdf", "image/*"], [".exe"]),
            RejectForwardAddresses = ["postmaster@example.com"],
            PollInterval = TimeSpan.FromMinutes(2),
        };

        await Mailbox(tenant, "support").Create(settings);
        var view = await Mailbox(tenant, "support").Get();

        Assert.NotNull(view);
        Assert.Equal(Secret.Mask, view.Settings.Incoming!.Password);
        Assert.Equal(Secret.Mask, view.Settings.Outgoing!.Relay!.Password);
        Assert.Equal(settings.Incoming!.Host, view.Settings.Incoming.Host);
        Assert.Equal(settings.Outgoing, view.Settings.Outgoing with { Relay = view.Settings.Outgoing.Relay with { Password = "s3cret-smtp" } });
        Assert.Equal(settings.DiscardFilters, view.Settings.DiscardFilters);
        Assert.Equal(settings.Attachments.AllowedTypes, view.Settings.Attachments.AllowedTypes);
        Assert.Equal(settings.Attachments.BlockedTypes, view.Settings.Attachments.BlockedTypes);
        Assert.Equal(settings.Attachments.MaxMessageBytes, view.Settings.Attachments.MaxMessageBytes);
        Assert.Equal(settings.RejectForwardAddresses, view.Settings.RejectForwardAddresses);
        Assert.Equal(TimeSpan.FromMinutes(2), view.Settings.PollInterval);
        Assert.Equal(MailboxDirection.Both, view.Settings.Direction);
    }

    [Fact]
    public async Task Export_with_secrets_returns_the_typed_passwords()
    {
        var tenant = NewTenant();
        await Mailbox(tenant, "a").Create(Samples.Service());

        var exported = await Mailbox(tenant, "a").Export(includeSecrets: true);
        var masked = await Mailbox(tenant, "a").Export(includeSecrets: false);

        Assert.Equal("s3cret-pop", exported!.Incoming!.Password);
        Assert.Equal("s3cret-smtp", exported.Outgoing!.Relay!.Password);
        Assert.Equal(Secret.Mask, masked!.Incoming!.Password);
    }

    [Fact]
    public async Task Update_with_masked_password_keeps_the_stored_one_and_a_new_password_replaces_it()
    {
        var tenant = NewTenant();
        var grain = Mailbox(tenant, "a");
        await grain.Create(Samples.Service());
        var masked = (await grain.Export(includeSecrets: false))!;

        await grain.Update(masked with { PollInterval = TimeSpan.FromMinutes(7) });
        Assert.Equal("s3cret-pop", (await grain.Export(true))!.Incoming!.Password);

        await grain.Update(masked with { Incoming = masked.Incoming! with { Password = "changed" } });
        Assert.Equal("changed", (await grain.Export(true))!.Incoming!.Password);
    }

    [Fact]
    public async Task A_kept_secret_is_refused_when_where_it_is_sent_changes_and_nothing_is_changed()
    {
        var tenant = NewTenant();
        var grain = Mailbox(tenant, "a");
        await grain.Create(Samples.Service());
        var masked = (await grain.Export(includeSecrets: false))!;

        // Another server, the password kept: the engine would log in there with the stored password.
        var moved = await Assert.ThrowsAsync<MailboxException>(() => grain.Update(masked with { Incoming = masked.Incoming! with { Host = "attacker.example" } }));
        Assert.Contains(moved.Errors, e => e.Field == "incoming.password");
        var relayMoved = await Assert.ThrowsAsync<MailboxException>(() => grain.Update(masked with
        {
            Outgoing = masked.Outgoing! with { Relay = masked.Outgoing.Relay! with { Port = 2525 } },
        }));
        Assert.Contains(relayMoved.Errors, e => e.Field == "outgoing.relay.password");
        var omitted = await Assert.ThrowsAsync<MailboxException>(() => grain.Update(masked with { Incoming = masked.Incoming! with { Account = "other", Password = null } }));
        Assert.Contains(omitted.Errors, e => e.Field == "incoming.password");
        Assert.Equal(Samples.Service().Incoming!.Host, (await grain.Export(true))!.Incoming!.Host);

        // Typed again, the move is the admin's own: it goes through.
        await grain.Update(masked with { Incoming = masked.Incoming! with { Host = "pop2.example.com", Password = "retyped" } });
        var now = (await grain.Export(true))!;
        Assert.Equal(("pop2.example.com", "retyped"), (now.Incoming!.Host, now.Incoming.Password));
    }

    [Fact]
    public async Task Create_twice_is_refused_and_update_of_a_missing_mailbox_is_refused()
    {
        var tenant = NewTenant();
        await Mailbox(tenant, "a").Create(Samples.Service());

        var twice = await Assert.ThrowsAsync<MailboxException>(() => Mailbox(tenant, "a").Create(Samples.Service()));
        Assert.Equal(MailboxErrorKind.AlreadyExists, twice.Kind);

        var missing = await Assert.ThrowsAsync<MailboxException>(() => Mailbox(tenant, "nope").Update(Samples.Service("other")));
        Assert.Equal(MailboxErrorKind.NotFound, missing.Kind);
    }

    [Fact]
    public async Task Invalid_settings_are_refused_with_every_error_named_and_nothing_is_stored()
    {
        var tenant = NewTenant();
        var bad = Samples.Service() with
        {
            Incoming = Samples.Pop3() with { Port = 70000, Host = "" },
            PollInterval = TimeSpan.FromSeconds(10),
        };

        var error = await Assert.ThrowsAsync<MailboxException>(() => Mailbox(tenant, "a").Create(bad));

        Assert.Equal(MailboxErrorKind.Invalid, error.Kind);
        Assert.Contains(error.Errors, e => e.Field == "incoming.port");
        Assert.Contains(error.Errors, e => e.Field == "incoming.host");
        Assert.Contains(error.Errors, e => e.Field == "pollInterval");
        Assert.Null(await Mailbox(tenant, "a").Get());
        Assert.Equal(0, (await fixture.Client.GetGrain<ITenantGrain>(tenant).List(null, 10)).Total);
    }

    [Fact]
    public async Task Service_and_marketing_mailboxes_never_share_an_account_in_either_order()
    {
        var tenant = NewTenant();
        await Mailbox(tenant, "service").Create(Samples.Service(account: "shared"));

        var conflict = await Assert.ThrowsAsync<MailboxException>(() => Mailbox(tenant, "marketing").Create(Samples.Marketing(account: "SHARED")));
        Assert.Equal(MailboxErrorKind.AccountConflict, conflict.Kind);
        Assert.Contains("Service mailbox 'service'", conflict.Message);
        Assert.Null(await Mailbox(tenant, "marketing").Get());

        // The other way round, and through an update rather than a create.
        await Mailbox(tenant, "marketing2").Create(Samples.Marketing(account: "bounces"));
        var viaUpdate = await Assert.ThrowsAsync<MailboxException>(() => Mailbox(tenant, "service").Update(Samples.Service(account: "bounces")));
        Assert.Equal(MailboxErrorKind.AccountConflict, viaUpdate.Kind);
        Assert.Equal("shared", (await Mailbox(tenant, "service").Get())!.Settings.Incoming!.Account);
    }

    [Fact]
    public async Task The_same_account_on_another_host_or_after_removal_is_allowed()
    {
        var tenant = NewTenant();
        await Mailbox(tenant, "service").Create(Samples.Service(account: "shared"));

        await Mailbox(tenant, "marketing").Create(Samples.Marketing(account: "shared") with
        {
            Incoming = Samples.Pop3("shared", host: "other.example.com"),
        });

        await Mailbox(tenant, "service").Remove();
        await Mailbox(tenant, "marketing-b").Create(Samples.Marketing(account: "shared"));
    }

    [Fact]
    public async Task Accounts_are_scoped_to_their_tenant()
    {
        await Mailbox(NewTenant(), "s").Create(Samples.Service(account: "same"));
        await Mailbox(NewTenant(), "m").Create(Samples.Marketing(account: "same"));
    }

    [Fact]
    public async Task Enabled_incoming_mailbox_has_exactly_one_poll_reminder_that_follows_its_settings()
    {
        var tenant = NewTenant();
        var key = MailboxKey.For(tenant, "a");
        var grain = Mailbox(tenant, "a");

        await grain.Create(Samples.Service(enabled: false));
        Assert.Equal(0, await fixture.ReminderCount(key));

        await grain.SetEnabled(true);
        Assert.Equal(1, await fixture.ReminderCount(key));
        Assert.Equal((long)TimeSpan.FromMinutes(5).TotalMilliseconds, await fixture.ReminderPeriodMs(key));

        var masked = (await grain.Export(false))!;
        await grain.Update(masked with { PollInterval = TimeSpan.FromMinutes(3) });
        Assert.Equal(1, await fixture.ReminderCount(key));
        Assert.Equal((long)TimeSpan.FromMinutes(3).TotalMilliseconds, await fixture.ReminderPeriodMs(key));

        // Outgoing only: nothing to poll.
        await grain.Update(masked with { Incoming = null });
        Assert.Equal(0, await fixture.ReminderCount(key));

        // Removing the incoming settings dropped the stored password, so the mask alone is not enough now.
        var again = await Assert.ThrowsAsync<MailboxException>(() => grain.Update(masked));
        Assert.Contains(again.Errors, e => e.Field == "incoming.password");
        await grain.Update(masked with { Incoming = masked.Incoming! with { Password = "new" } });
        Assert.Equal(1, await fixture.ReminderCount(key));
        await grain.SetEnabled(false);
        Assert.Equal(0, await fixture.ReminderCount(key));

        await grain.SetEnabled(true);
        await grain.Remove();
        Assert.Equal(0, await fixture.ReminderCount(key));
    }

    [Fact]
    public async Task Status_shows_the_schedule()
    {
        var tenant = NewTenant();
        var created = DateTimeOffset.UtcNow;
        await Mailbox(tenant, "on").Create(Samples.Service());
        await Mailbox(tenant, "off").Create(Samples.Service("other", enabled: false));

        var on = await Mailbox(tenant, "on").GetStatus();
        var off = await Mailbox(tenant, "off").GetStatus();

        Assert.Equal(PollState.Scheduled, on.State);
        Assert.NotNull(on.NextPoll);
        // The first poll is spread over the interval, at least a few seconds after creation.
        Assert.InRange(on.NextPoll!.Value, created + TimeSpan.FromSeconds(4), DateTimeOffset.UtcNow + TimeSpan.FromMinutes(5));
        Assert.Equal(PollState.Idle, off.State);
        Assert.Null(off.NextPoll);
    }

    [Fact]
    public async Task Removed_mailbox_is_gone_from_grain_directory_and_storage()
    {
        var tenant = NewTenant();
        await Mailbox(tenant, "a").Create(Samples.Service());
        Assert.True(await Mailbox(tenant, "a").Remove());

        Assert.Null(await Mailbox(tenant, "a").Get());
        Assert.False(await Mailbox(tenant, "a").Remove());
        Assert.Equal(0, (await fixture.Client.GetGrain<ITenantGrain>(tenant).List(null, 10)).Total);
        Assert.Equal(0, await fixture.Scalar("SELECT COUNT(*) FROM OrleansStorage WHERE GrainIdExtensionString = @key", ("@key", MailboxKey.For(tenant, "a"))));

        // And it can be created again from scratch.
        await Mailbox(tenant, "a").Create(Samples.Service());
    }

    [Fact]
    public async Task Type_cannot_change_in_place()
    {
        var tenant = NewTenant();
        await Mailbox(tenant, "a").Create(Samples.Service());

        var error = await Assert.ThrowsAsync<MailboxException>(() => Mailbox(tenant, "a").Update(Samples.Marketing("support")));
        Assert.Contains(error.Errors, e => e.Field == "type");
    }

    [Fact]
    public async Task Tenant_lists_mailboxes_in_pages_in_name_order()
    {
        var tenant = NewTenant();
        var names = Enumerable.Range(0, 25).Select(i => $"box-{i:00}").ToList();
        await Task.WhenAll(names.Select(n => Mailbox(tenant, n).Create(Samples.Service(account: n, enabled: n != "box-03"))));

        var seen = new List<string>();
        string? after = null;
        do
        {
            var page = await fixture.Client.GetGrain<ITenantGrain>(tenant).List(after, 10);
            Assert.Equal(25, page.Total);
            seen.AddRange(page.Items.Select(i => i.Name));
            after = page.NextAfter;
        }
        while (after is not null);

        Assert.Equal(names, seen);
        Assert.Equal(24, await fixture.Client.GetGrain<ITenantGrain>(tenant).CountEnabled());
    }

    [Fact]
    public async Task Bad_names_are_refused()
    {
        var error = await Assert.ThrowsAsync<MailboxException>(() => Mailbox("default", "has space").Create(Samples.Service()));
        Assert.Contains(error.Errors, e => e.Field == "name");
    }
}
