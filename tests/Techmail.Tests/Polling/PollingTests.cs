using MimeKit;
using Techmail.Mailboxes;
using Techmail.Polling;
using Techmail.Quarantine;
using Techmail.Tests.Incidents;
using Techmail.Tests.Support;

namespace Techmail.Tests.Polling;

[Collection(PollingCollection.Name)]
public sealed class SqlitePollingTests(SqlitePollingFixture fixture) : PollingTests(fixture);

[Collection(PostgresPollingCollection.Name)]
public sealed class PostgresPollingTests(PostgresPollingFixture fixture) : PollingTests(fixture);

public abstract class PollingTests(PollingFixture fixture)
{
    private DovecotServer Dovecot => fixture.Dovecot;

    [Fact]
    public async Task Mail_arrives_is_handed_on_and_deleted_from_the_server()
    {
        var (user, password) = fixture.NewUser();
        for (var i = 0; i < 3; i++)
        {
            Dovecot.Deliver(user, TestMail.Simple($"Help {i}"));
        }

        var grain = await fixture.Mailbox("arrive", fixture.Pop3(user, password));
        var status = await PollingFixture.PollAndWait(grain);

        Assert.Null(status.LastError);
        Assert.Equal(3, status.Counts.Fetched);
        Assert.Equal(3, status.Counts.Accepted);
        Assert.Equal(0, Dovecot.CountMessages(user));
        Assert.Equal(3, await fixture.Inbound("arrive"));
        var trace = await grain.GetTrace(10);
        Assert.Equal(3, trace.Count);
        Assert.All(trace, t => Assert.Equal(TraceVerdict.Accepted, t.Verdict));
        Assert.Contains(trace, t => t.Subject == "Help 1" && t.From == "customer@example.net" && t.MessageId is not null);
    }

    [Fact]
    public async Task Marketing_mail_goes_to_bounce_intake()
    {
        var (user, password) = fixture.NewUser();
        Dovecot.Deliver(user, TestBounces.HardUserUnknown("gone@example.net"));
        var grain = await fixture.Mailbox("marketing", fixture.Pop3(user, password), type: MailboxType.Marketing);

        await PollingFixture.PollAndWait(grain);

        Assert.Equal(1, await fixture.Scalar("SELECT COUNT(*) FROM techmail_inbound WHERE mailbox = 'marketing' AND kind = 'bounce'"));
    }

    [Fact]
    public async Task Imap_over_starttls_with_a_pinned_certificate_moves_or_deletes()
    {
        var (user, password) = fixture.NewUser();
        Dovecot.Deliver(user, TestMail.Simple("IMAP one"));
        Dovecot.Deliver(user, TestMail.Simple("IMAP two"));
        var imap = new IncomingSettings(MailProtocol.Imap, "127.0.0.1", Dovecot.ImapPort, TlsMode.StartTls, user, password, [],
            new ServerTrust(null, Dovecot.CertificateSha256));
        var grain = await fixture.Mailbox("imap", imap);

        var status = await PollingFixture.PollAndWait(grain);

        Assert.Null(status.LastError);
        Assert.Equal(2, status.Counts.Accepted);
        Assert.Equal(0, Dovecot.CountMessages(user));
        Assert.Equal(2, await fixture.Inbound("imap"));
    }

    [Fact]
    public async Task Imap_with_a_processed_folder_moves_handled_mail_there()
    {
        var (user, password) = fixture.NewUser();
        Dovecot.Deliver(user, TestMail.Simple("keep a copy 1"));
        Dovecot.Deliver(user, TestMail.Simple("keep a copy 2"));
        var imap = new IncomingSettings(MailProtocol.Imap, "127.0.0.1", Dovecot.ImapPort, TlsMode.None, user, password, [], null, "Processed", AllowPlaintextPassword: true);
        var grain = await fixture.Mailbox("imapmove", imap);

        var status = await PollingFixture.PollAndWait(grain);

        Assert.Null(status.LastError);
        Assert.Equal(2, await fixture.Inbound("imapmove"));
        using var client = new MailKit.Net.Imap.ImapClient();
        await client.ConnectAsync("127.0.0.1", Dovecot.ImapPort, MailKit.Security.SecureSocketOptions.None);
        await client.AuthenticateAsync(user, password);
        await client.Inbox.OpenAsync(MailKit.FolderAccess.ReadOnly);
        Assert.Equal(0, client.Inbox.Count);
        var processed = await client.GetFolder(client.PersonalNamespaces[0]).GetSubfolderAsync("Processed");
        await processed.OpenAsync(MailKit.FolderAccess.ReadOnly);
        Assert.Equal(2, processed.Count);
    }

    [Fact]
    public async Task A_message_over_the_download_limit_stays_on_the_server_and_the_status_says_so()
    {
        var (user, password) = fixture.NewUser();
        Dovecot.Deliver(user, TestMail.Simple("enormous", padTo: 1_500_000));
        Dovecot.Deliver(user, TestMail.Simple("normal"));
        var grain = await fixture.Mailbox("oversize", fixture.Pop3(user, password));

        var status = await PollingFixture.PollAndWait(grain);

        Assert.Equal(1, status.Counts.Accepted);
        Assert.Contains("over the 1,048,576-byte download limit; left on the server", status.LastError);
        Assert.Equal(1, Dovecot.CountMessages(user));
    }

    [Fact]
    public async Task Untrusted_certificate_is_refused_and_named_then_accepted_once_its_ca_is_trusted()
    {
        var (user, password) = fixture.NewUser();
        Dovecot.Deliver(user, TestMail.Simple("over TLS"));
        var incoming = fixture.Pop3(user, password, Dovecot.Pop3sPort) with { Tls = TlsMode.SslOnConnect };
        var grain = await fixture.Mailbox("tls", incoming);

        var refused = await PollingFixture.PollAndWait(grain);
        Assert.Contains("untrusted certificate", refused.LastError);
        Assert.Equal(1, refused.ConsecutiveFailures);
        Assert.Equal(1, Dovecot.CountMessages(user));

        // A wrong pin is refused too, and says so.
        var masked = (await grain.Export(false))!;
        await grain.Update(masked with { Incoming = masked.Incoming! with { Trust = new ServerTrust(null, new string('A', 64)) } });
        Assert.Contains("does not match the pinned", (await PollingFixture.PollAndWait(grain)).LastError);

        await grain.Update(masked with { Incoming = masked.Incoming! with { Trust = new ServerTrust(Dovecot.CaCertificatePem, null) } });
        var accepted = await PollingFixture.PollAndWait(grain);
        Assert.Null(accepted.LastError);
        Assert.Equal(0, accepted.ConsecutiveFailures);
        Assert.Equal(0, Dovecot.CountMessages(user));
    }

    [Fact]
    public async Task A_private_CA_imported_once_for_the_tenant_is_trusted_for_every_mailbox_of_it()
    {
        var (user, password) = fixture.NewUser();
        Dovecot.Deliver(user, TestMail.Simple("over TLS, tenant CA"));
        // A tenant of its own: the tenant's CAs are cached for a minute, and another test's poll must not have
        // cached "none" for it.
        const string tenant = "tenantca";
        await fixture.Client.GetGrain<Techmail.Certificates.ICertificateGrain>(tenant)
            .Import(System.Text.Encoding.ASCII.GetBytes(Dovecot.CaCertificatePem), null, Techmail.Certificates.CertificateKind.ServerCa);
        var grain = fixture.Client.GetGrain<IMailboxGrain>(MailboxKey.For(tenant, "tls-tenant-ca"));
        await grain.Create(MailboxSettings.Empty(MailboxType.Service) with
        {
            Enabled = true,
            PollInterval = TimeSpan.FromHours(1),
            Incoming = fixture.Pop3(user, password, Dovecot.Pop3sPort) with { Tls = TlsMode.SslOnConnect },
        });

        var status = await PollingFixture.PollAndWait(grain);

        Assert.Null(status.LastError);
        Assert.Equal(0, Dovecot.CountMessages(user));
    }

    [Fact]
    public async Task Discard_filters_drop_mail_with_a_trace_naming_the_filter()
    {
        var (user, password) = fixture.NewUser();
        Dovecot.Deliver(user, TestMail.Simple("[SPAM] cheap watches"));
        Dovecot.Deliver(user, TestMail.Simple("Real question"));
        var grain = await fixture.Mailbox("discard", fixture.Pop3(user, password), s => s with
        {
            DiscardFilters = [new DiscardFilter("spam-tag", FilterField.Subject, FilterMatch.Contains, "[spam]")],
        });

        var status = await PollingFixture.PollAndWait(grain);

        Assert.Equal(1, status.Counts.Discarded);
        Assert.Equal(1, status.Counts.Accepted);
        Assert.Equal(0, Dovecot.CountMessages(user));
        Assert.Equal(1, await fixture.Inbound("discard"));
        var discarded = Assert.Single(await grain.GetTrace(10), t => t.Verdict == TraceVerdict.Discarded);
        Assert.Contains("spam-tag", discarded.Reason);
    }

    [Fact]
    public async Task Each_attachment_restriction_rejects_and_forwards_the_whole_message_with_the_reason()
    {
        var (user, password) = fixture.NewUser();
        Dovecot.Deliver(user, TestMail.WithAttachment("blocked", "setup.exe", "application/octet-stream", 1000));
        Dovecot.Deliver(user, TestMail.WithAttachment("too big", "photo.png", "image/png", 40_000));
        Dovecot.Deliver(user, TestMail.WithAttachment("not allowed", "notes.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", 1000));
        Dovecot.Deliver(user, TestMail.Simple("huge message", padTo: 150_000));
        Dovecot.Deliver(user, TestMail.WithAttachment("fine", "report.pdf", "application/pdf", 2000));
        var grain = await fixture.Mailbox("attach", fixture.Pop3(user, password), s => s with
        {
            Outgoing = fixture.Relay(),
            RejectForwardAddresses = ["review@example.com"],
            Attachments = new AttachmentPolicy(30_000, 100_000, [".pdf", "image/*"], [".exe"]),
        });

        var status = await PollingFixture.PollAndWait(grain);

        Assert.Null(status.LastError);
        Assert.Equal(4, status.Counts.Rejected);
        Assert.Equal(1, status.Counts.Accepted);
        Assert.Equal(0, Dovecot.CountMessages(user));
        foreach (var (subject, reason) in new[] { ("blocked", "blocked type"), ("too big", "photo.png"), ("not allowed", "not an allowed type"), ("huge message", "over the 100,000-byte limit") })
        {
            var forwarded = await fixture.Smtp.WaitFor(m => m.Message.Subject == $"Rejected by Techmail: {subject}", TimeSpan.FromSeconds(10));
            Assert.Equal(["review@example.com"], forwarded.Recipients);
            Assert.Equal("techmail@example.com", forwarded.EnvelopeFrom);
            Assert.Contains(reason, forwarded.Message.Headers["X-Techmail-Reject-Reason"] ?? "");
            var original = Assert.IsType<MessagePart>(forwarded.Message.BodyParts.OfType<MessagePart>().Single());
            Assert.Equal(subject, original.Message!.Subject);
        }

        Assert.Equal(4, await fixture.Traced("attach", TraceVerdict.Rejected));
    }

    [Fact]
    public async Task A_blocked_file_inside_winmail_dat_is_rejected_like_a_plain_attachment()
    {
        var (user, password) = fixture.NewUser();
        Dovecot.Deliver(user, TestMail.WithAttachment("plain exe", "setup.exe", "application/octet-stream", 1000));
        Dovecot.Deliver(user, TestMail.WithWinmail("wrapped exe", CustomerMail.Tnef("Please run this", "setup.exe", new byte[1000])));
        Dovecot.Deliver(user, TestMail.WithWinmail("wrapped pdf", CustomerMail.Tnef("The plan", "plan.pdf", "%PDF-1.4 plan"u8.ToArray())));
        var grain = await fixture.Mailbox("winmail", fixture.Pop3(user, password), s => s with
        {
            Outgoing = fixture.Relay(),
            RejectForwardAddresses = ["review@example.com"],
            Attachments = AttachmentPolicy.None with { BlockedTypes = [".exe"] },
        });

        var status = await PollingFixture.PollAndWait(grain);

        Assert.Null(status.LastError);
        Assert.Equal(2, status.Counts.Rejected);
        Assert.Equal(1, status.Counts.Accepted);
        Assert.Equal(0, Dovecot.CountMessages(user));
        foreach (var subject in new[] { "plain exe", "wrapped exe" })
        {
            var forwarded = await fixture.Smtp.WaitFor(m => m.Message.Subject == $"Rejected by Techmail: {subject}", TimeSpan.FromSeconds(10));
            Assert.Equal("attachment 'setup.exe' is a blocked type (.exe)", forwarded.Message.Headers["X-Techmail-Reject-Reason"]);
        }

        var trace = await grain.GetTrace(10);
        Assert.Equal(TraceVerdict.Accepted, Assert.Single(trace, t => t.Subject == "wrapped pdf").Verdict);
        Assert.Equal(1, await fixture.Inbound("winmail"));
    }

    [Fact]
    public async Task Rejected_mail_without_a_forward_address_is_quarantined_and_can_be_reprocessed_after_the_policy_changes()
    {
        var (user, password) = fixture.NewUser();
        Dovecot.Deliver(user, TestMail.WithAttachment("contract", "contract.zip", "application/zip", 500));
        var grain = await fixture.Mailbox("noforward", fixture.Pop3(user, password), s => s with
        {
            Attachments = AttachmentPolicy.None with { BlockedTypes = [".zip"] },
        });

        var status = await PollingFixture.PollAndWait(grain);
        Assert.Equal(1, status.Counts.Quarantined);
        Assert.Equal(0, Dovecot.CountMessages(user));

        var quarantine = fixture.Client.GetGrain<IQuarantineGrain>("poll");
        var held = Assert.Single(await quarantine.List("noforward", false, 10));
        Assert.Contains("blocked type", held.Reason);
        Assert.Equal("contract", held.Subject);

        // Still blocked: reprocessing leaves it where it is.
        Assert.Equal(TraceVerdict.Quarantined, (await quarantine.Reprocess(held.Id)).Verdict);
        var masked = (await grain.Export(false))!;
        await grain.Update(masked with { Attachments = AttachmentPolicy.None });
        Assert.Equal(TraceVerdict.Accepted, (await quarantine.Reprocess(held.Id)).Verdict);
        Assert.Equal(1, await fixture.Inbound("noforward"));
        Assert.Empty(await quarantine.List("noforward", false, 10));
        Assert.Equal(QuarantineState.Reprocessed, (await quarantine.Get(held.Id))!.State);
    }

    [Fact]
    public async Task A_malformed_message_is_quarantined_while_the_rest_of_the_batch_goes_through()
    {
        var (user, password) = fixture.NewUser();
        Dovecot.Deliver(user, TestMail.Simple("before"));
        Dovecot.Deliver(user, TestMail.Garbage());
        Dovecot.Deliver(user, TestMail.Simple("after"));
        var grain = await fixture.Mailbox("malformed", fixture.Pop3(user, password));

        var status = await PollingFixture.PollAndWait(grain);

        Assert.Equal(2, status.Counts.Accepted);
        Assert.Equal(1, status.Counts.Quarantined);
        Assert.Equal(0, Dovecot.CountMessages(user));
        var quarantine = fixture.Client.GetGrain<IQuarantineGrain>("poll");
        var held = Assert.Single(await quarantine.List("malformed", false, 10));
        Assert.Contains("cannot be parsed", held.Reason);
        Assert.Equal(TestMail.Garbage().Length, (await quarantine.GetRaw(held.Id))!.Length);
        Assert.True(await quarantine.Drop(held.Id));
        Assert.Empty(await quarantine.List("malformed", false, 10));
    }

    [Fact]
    public async Task Wrong_password_is_reported_not_retried_and_backs_off()
    {
        var (user, password) = fixture.NewUser();
        Dovecot.Deliver(user, TestMail.Simple("waiting"));
        var grain = await fixture.Mailbox("badpass", fixture.Pop3(user, "not-the-password"));

        var status = await PollingFixture.PollAndWait(grain);

        Assert.Contains("authentication failed", status.LastError);
        Assert.Equal(1, status.ConsecutiveFailures);
        Assert.NotNull(status.BackoffUntil);
        Assert.True(status.BackoffUntil > DateTimeOffset.UtcNow + TimeSpan.FromMinutes(30));
        Assert.Equal(1, Dovecot.CountMessages(user));

        var masked = (await grain.Export(false))!;
        await grain.Update(masked with { Incoming = masked.Incoming! with { Password = password } });
        var fixedStatus = await PollingFixture.PollAndWait(grain);
        Assert.Null(fixedStatus.LastError);
        Assert.Null(fixedStatus.BackoffUntil);
        Assert.Equal(0, Dovecot.CountMessages(user));
    }

    [Fact]
    public async Task A_connection_cut_in_the_middle_of_retr_loses_and_doubles_nothing()
    {
        var (user, password) = fixture.NewUser();
        for (var i = 0; i < 5; i++)
        {
            Dovecot.Deliver(user, TestMail.Simple($"big {i}", padTo: 60_000));
        }

        await using var proxy = FaultyProxy.Start(Dovecot.Pop3Port);
        var grain = await fixture.Mailbox("cut", fixture.Pop3(user, password, proxy.Port));
        // Enough for the greeting, login and listing, then the line dies partway through the messages.
        proxy.CutAfterServerBytes(100_000);

        var failed = await PollingFixture.PollAndWait(grain);
        Assert.Contains("127.0.0.1", failed.LastError);
        Assert.True(proxy.ConnectionCount >= 2, "a transient failure is retried");
        Assert.Equal(5, Dovecot.CountMessages(user));

        proxy.Heal();
        await Task.Delay(1100); // let the host's circuit close again
        var healed = await PollingFixture.PollAndWait(grain);
        Assert.Null(healed.LastError);
        Assert.Equal(0, Dovecot.CountMessages(user));
        Assert.Equal(5, await fixture.Inbound("cut"));
        Assert.Equal(5, await fixture.Traced("cut", TraceVerdict.Accepted));
    }

    [Fact]
    public async Task Server_down_then_back()
    {
        var (user, password) = fixture.NewUser();
        Dovecot.Deliver(user, TestMail.Simple("while down"));
        await using var proxy = FaultyProxy.Start(Dovecot.Pop3Port);
        var grain = await fixture.Mailbox("down", fixture.Pop3(user, password, proxy.Port));
        proxy.RefuseConnections(true);

        var down = await PollingFixture.PollAndWait(grain);
        Assert.NotNull(down.LastError);
        Assert.True(down.ConsecutiveFailures >= 1);

        proxy.RefuseConnections(false);
        await Task.Delay(1100);
        var back = await PollingFixture.PollAndWait(grain);
        Assert.Null(back.LastError);
        Assert.Equal(0, back.ConsecutiveFailures);
        Assert.Equal(1, await fixture.Inbound("down"));
    }

    [Fact]
    public async Task A_session_that_dies_after_hand_off_and_before_quit_hands_nothing_off_twice()
    {
        var (user, password) = UserWithMail(120, "crash");

        // Let the first batch (50) through and its hand-off commit, then kill the line before QUIT.
        await using var proxy = FaultyProxy.Start(Dovecot.Pop3Port);
        var grain = await fixture.Mailbox("crash", fixture.Pop3(user, password, proxy.Port), s => s);
        proxy.CutAfterServerBytes(150 * 1024);
        await PollingFixture.PollAndWait(grain);
        var recordedBeforeRecovery = await fixture.Inbound("crash");
        Assert.InRange(recordedBeforeRecovery, 1, 119);
        Assert.Equal(120, Dovecot.CountMessages(user));

        proxy.Heal();
        await Task.Delay(1100);
        var status = await PollingFixture.PollAndWait(grain);

        Assert.Null(status.LastError);
        // Every retry and the recovery poll met the recorded messages again and recognised them.
        Assert.True(status.Counts.Duplicates >= recordedBeforeRecovery, $"{status.Counts.Duplicates} duplicates seen");
        Assert.Equal(120, await fixture.Inbound("crash"));
        Assert.Equal(0, Dovecot.CountMessages(user));
    }

    [Fact]
    public async Task A_thousand_messages_in_one_poll()
    {
        var (user, password) = UserWithMail(1000, "bulk");

        var grain = await fixture.Mailbox("thousand", fixture.Pop3(user, password));
        var status = await PollingFixture.PollAndWait(grain, TimeSpan.FromMinutes(3));

        Assert.Null(status.LastError);
        Assert.Equal(1000, status.Counts.Accepted);
        Assert.Equal(0, Dovecot.CountMessages(user));
        Assert.Equal(1000, await fixture.Inbound("thousand"));
    }

    [Fact]
    public async Task A_long_pop3_poll_goes_on_in_new_sessions_so_a_line_dropped_late_downloads_only_the_last_one_again()
    {
        var (user, password) = UserWithMail(500, "long poll");

        // Sessions of 200 (the fixture's limit), batches of 50: the third session's line drops while its second batch
        // comes down (after its listing, under 20 KB, and its first batch, about 110 KB).
        await using var proxy = FaultyProxy.Start(Dovecot.Pop3Port);
        proxy.CutConnection(3, 170_000);
        var grain = await fixture.Mailbox("long-poll", fixture.Pop3(user, password, proxy.Port));
        var status = await PollingFixture.PollAndWait(grain, TimeSpan.FromMinutes(2));

        Assert.Null(status.LastError);
        Assert.Equal(4, proxy.ConnectionCount);
        // The retry met again only the dropped session's first batch: the first two sessions' deletions were final.
        // In one session the retry would have met all 450 messages recorded before the drop.
        Assert.Equal(50, status.Counts.Duplicates);
        Assert.Equal(0, Dovecot.CountMessages(user));
        Assert.Equal(500, await fixture.Inbound("long-poll"));
    }

    [Fact]
    public async Task A_server_that_takes_one_session_at_a_time_gets_the_next_session_once_the_last_has_ended()
    {
        var (user, password) = UserWithMail(450, "one at a time");

        // The next session is opened while the current one still downloads; this server takes one at a time and drops it.
        await using var proxy = FaultyProxy.Start(Dovecot.Pop3Port);
        proxy.LimitOpenConnections(1);
        var grain = await fixture.Mailbox("one-at-a-time", fixture.Pop3(user, password, proxy.Port));
        var status = await PollingFixture.PollAndWait(grain, TimeSpan.FromMinutes(2));

        Assert.Null(status.LastError);
        Assert.True(proxy.RefusedOverLimit >= 1, "a session was opened while another was still open");
        Assert.Equal(3 + proxy.RefusedOverLimit, proxy.ConnectionCount);
        Assert.Equal(0, status.Counts.Duplicates);
        Assert.Equal(0, Dovecot.CountMessages(user));
        Assert.Equal(450, await fixture.Inbound("one-at-a-time"));
    }

    /// <summary>
    /// A fresh mail user with <paramref name="count"/> messages of about 2 KB waiting, each from its own customer: the
    /// flood gate holds a sender's 24th mail, and the incident builder would move it out of intake while a test counts.
    /// </summary>
    private (string User, string Password) UserWithMail(int count, string subject)
    {
        var (user, password) = fixture.NewUser();
        for (var i = 0; i < count; i++)
        {
            Dovecot.Deliver(user, TestMail.Simple($"{subject} {i}", from: $"customer{i}@example.net", padTo: 2000));
        }

        return (user, password);
    }
}
