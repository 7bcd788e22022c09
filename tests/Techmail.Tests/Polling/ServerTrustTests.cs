using Techmail.Certificates;
using Techmail.Mailboxes;
using Techmail.Tests.Support;

namespace Techmail.Tests.Polling;

/// <summary>A tenant's S/MIME CAs do not vouch for its mail servers (issue 17, item 7), over IMAPS against a real Dovecot.</summary>
[Collection(PollingCollection.Name)]
public sealed class ServerTrustTests(SqlitePollingFixture fixture)
{
    private DovecotServer Dovecot => fixture.Dovecot;

    [Fact]
    public async Task A_server_certificate_issued_by_a_CA_imported_for_smime_only_is_refused_for_imap()
    {
        var (user, password) = fixture.NewUser();
        Dovecot.Deliver(user, TestMail.Simple("not for an S/MIME CA to vouch for"));
        // A tenant of its own: the tenant's CAs are cached for a minute per silo.
        const string tenant = "smimeonly";
        await fixture.Client.GetGrain<ICertificateGrain>(tenant)
            .Import(System.Text.Encoding.ASCII.GetBytes(Dovecot.CaCertificatePem), null, CertificateKind.SmimeCa);
        var grain = fixture.Client.GetGrain<IMailboxGrain>(MailboxKey.For(tenant, "imaps"));
        await grain.Create(MailboxSettings.Empty(MailboxType.Service) with
        {
            Enabled = true,
            PollInterval = TimeSpan.FromHours(1),
            Incoming = new IncomingSettings(MailProtocol.Imap, "127.0.0.1", Dovecot.ImapsPort, TlsMode.SslOnConnect, user, password, []),
        });

        var status = await PollingFixture.PollAndWait(grain);

        Assert.Contains("TLS refused: untrusted certificate issued by 'CN=Techmail test mail CA'", status.LastError);
        Assert.Equal(1, Dovecot.CountMessages(user));
    }
}
