using Techmail.Authentication;
using Techmail.Mailboxes;
using Techmail.Polling;
using Techmail.Tests.Support;

namespace Techmail.Tests.Unit;

/// <summary>The token cache against a real (loopback) token endpoint, with a clock the test moves.</summary>
public sealed class OAuthTokenCacheTests : IAsyncLifetime
{
    private readonly ManualClock _clock = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private OAuthTestServer _server = null!;
    private OAuthTokenCache _cache = null!;
    private OAuthSettings _oauth = null!;

    public Task InitializeAsync()
    {
        _server = OAuthTestServer.Start();
        _server.TokenLifetime = TimeSpan.FromSeconds(100);
        _server.AddClient("techmail", "client-secret", "support");
        _cache = new OAuthTokenCache(_clock);
        _oauth = new OAuthSettings(_server.TokenUrl, "techmail", null, "mail");
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task A_thousand_mailboxes_asking_at_once_cost_the_endpoint_one_request()
    {
        var tokens = await Task.WhenAll(Enumerable.Range(0, 1000).Select(_ => Task.Run(() => _cache.Get(_oauth, "client-secret", "user", CancellationToken.None))));

        Assert.Equal(1, _server.Granted);
        Assert.Single(tokens.Select(t => t.Token).Distinct());
        Assert.Equal(tokens[0].Token, (await _cache.Get(_oauth, "client-secret", "user", CancellationToken.None)).Token);
        Assert.True((await _cache.Get(_oauth, "client-secret", "user", CancellationToken.None)).Cached);
    }

    [Fact]
    public async Task A_token_is_refreshed_ahead_of_its_expiry_without_making_anyone_wait()
    {
        var (first, _) = await _cache.Get(_oauth, "client-secret", "user", CancellationToken.None);

        // Three quarters into its life the token is still handed out, while the next one is fetched.
        _clock.Advance(TimeSpan.FromSeconds(80));
        var (during, cached) = await _cache.Get(_oauth, "client-secret", "user", CancellationToken.None);
        Assert.Equal(first, during);
        Assert.True(cached);
        await WaitUntil(() => _server.Granted == 2);
        await WaitUntil(async () => (await _cache.Get(_oauth, "client-secret", "user", CancellationToken.None)).Token != first);
        Assert.Equal(2, _server.Granted);
    }

    [Fact]
    public async Task A_token_is_not_used_within_its_last_seconds()
    {
        var (first, _) = await _cache.Get(_oauth, "client-secret", "user", CancellationToken.None);

        // 100 s of life, 10 s of margin: at 95 s the old token is not handed out at all.
        _clock.Advance(TimeSpan.FromSeconds(95));
        var (next, cached) = await _cache.Get(_oauth, "client-secret", "user", CancellationToken.None);

        Assert.NotEqual(first, next);
        Assert.False(cached);
    }

    [Fact]
    public async Task A_forgotten_token_is_replaced_and_a_changed_secret_never_reuses_a_token()
    {
        var (first, _) = await _cache.Get(_oauth, "client-secret", "user", CancellationToken.None);
        _cache.Forget(_oauth, "client-secret", "user", first);

        var (second, cached) = await _cache.Get(_oauth, "client-secret", "user", CancellationToken.None);
        Assert.NotEqual(first, second);
        Assert.False(cached);

        // Forgetting a token that was already replaced leaves the new one alone.
        _cache.Forget(_oauth, "client-secret", "user", first);
        Assert.Equal(second, (await _cache.Get(_oauth, "client-secret", "user", CancellationToken.None)).Token);

        var refused = await Assert.ThrowsAsync<MailFetchException>(() => _cache.Get(_oauth, "old-secret", "user", CancellationToken.None));
        Assert.Equal(MailFetchFailure.Authentication, refused.Failure);
    }

    [Fact]
    public async Task A_refused_client_fails_as_an_authentication_error_with_the_endpoints_reason_and_no_secret()
    {
        _server.RevokeClient("techmail");

        var refused = await Assert.ThrowsAsync<MailFetchException>(() => _cache.Get(_oauth, "client-secret", "user", CancellationToken.None));

        Assert.Equal(MailFetchFailure.Authentication, refused.Failure);
        Assert.Equal($"OAuth token endpoint {_server.TokenUrl} refused the client: 401 invalid_client (unknown client or wrong secret)", refused.Message);
    }

    [Fact]
    public async Task An_endpoint_that_cannot_be_reached_is_a_transient_failure()
    {
        var gone = _oauth with { TokenUrl = $"http://127.0.0.1:{FreePort.Next()}/token" };

        var failed = await Assert.ThrowsAsync<MailFetchException>(() => _cache.Get(gone, "client-secret", "user", CancellationToken.None));

        Assert.Equal(MailFetchFailure.Transient, failed.Failure);
    }

    private static Task WaitUntil(Func<bool> condition) => WaitUntil(() => Task.FromResult(condition()));

    private static async Task WaitUntil(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out");
            await Task.Delay(20);
        }
    }
}
