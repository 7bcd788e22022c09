using Techmail.Hosting;
using Techmail.Tests.Support;

namespace Techmail.Tests.Polling;

/// <summary>
/// The polling fixture with a Dovecot that offers every mechanism Techmail can choose (PLAIN, LOGIN, CRAM-MD5,
/// SCRAM-SHA-256, APOP, XOAUTH2, OAUTHBEARER), its tokens checked by an OAuth server the tests run on loopback.
/// </summary>
public sealed class AuthenticationFixture : PollingFixture, IAsyncLifetime
{
    public const string Mechanisms = "plain login cram-md5 scram-sha-256 apop xoauth2 oauthbearer";

    public OAuthTestServer OAuth { get; private set; } = null!;

    private Task<PostfixRelay>? _submission;

    /// <summary>
    /// A real Postfix in front of the fixture's SMTP sink that takes mail only after AUTH checked by this Dovecot (XOAUTH2
    /// tokens introspected like IMAP's); started on first use, since only the SMTP OAuth tests need it.
    /// </summary>
    public Task<PostfixRelay> Submission()
    {
        lock (this)
        {
            return _submission ??= PostfixRelay.Start(Dovecot.SaslPort!.Value, Smtp.Port);
        }
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        if (_submission is { IsCompletedSuccessfully: true } submission)
        {
            await submission.Result.DisposeAsync();
        }

        await DisposeAsync();
        if (OAuth is not null)
        {
            await OAuth.DisposeAsync();
        }
    }

    protected override Task<TechmailOptions> Configure(TechmailOptions options) => Task.FromResult(options);

    protected override Task<DovecotServer> StartDovecot()
    {
        OAuth = OAuthTestServer.Start();
        return DovecotServer.Start(auth: new DovecotAuth(Mechanisms, OAuth.IntrospectionUrl, SaslService: true));
    }

    /// <summary>How Dovecot says the user logged in last (its "method=" in the login line), or null if it never did.</summary>
    public string? LoginMethod(string user)
    {
        var line = ReadLog().Split('\n').LastOrDefault(l => l.Contains("Login: user=<" + user + ">", StringComparison.Ordinal));
        var at = line?.IndexOf("method=", StringComparison.Ordinal) ?? -1;
        return at < 0 ? null : line![(at + 7)..].Split(',')[0];
    }

    /// <summary>Whether the user's name reached Dovecot at all: any login, failed or not, names the user in the log.</summary>
    public bool Mentioned(string user) => ReadLog().Contains("<" + user + ">", StringComparison.Ordinal) || ReadLog().Contains("(" + user + ",", StringComparison.Ordinal);

    private string ReadLog()
    {
        using var stream = new FileStream(Dovecot.LogFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        return new StreamReader(stream).ReadToEnd();
    }
}

[CollectionDefinition(Name)]
public sealed class AuthenticationCollection : ICollectionFixture<AuthenticationFixture>
{
    public const string Name = "authentication";
}
