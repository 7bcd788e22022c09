using System.Collections.Concurrent;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;

namespace Techmail.Polling;

/// <summary>
/// The breakers and retries of polling. Each mailbox's login on a server (tenant, server, account) has a pipeline of
/// its own: retries with exponential backoff and jitter for transient failures, then a circuit breaker, so one
/// mailbox failing over and over (a poisonous message, a session the server drops, intake refusing its mail) fails
/// fast for itself and for nobody else. Authentication and certificate failures are never retried and count as
/// nothing. What is really the server's (it cannot be reached at all, by several accounts) is counted by the server's
/// <see cref="ServerBreaker"/>, the only state shared between tenants.
/// </summary>
public sealed class ResiliencePipelines(PollingLimits limits, TimeProvider time)
{
    private readonly ConcurrentDictionary<MailAccount, (ResiliencePipeline Pipeline, CircuitBreakerStateProvider State)> _accounts = new();
    private readonly ConcurrentDictionary<string, ServerBreaker> _servers = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The pipeline one poll of <paramref name="account"/> runs in.</summary>
    public ResiliencePipeline For(MailAccount account) => Get(account).Pipeline;

    public ServerBreaker Server(string server) => _servers.GetOrAdd(server, _ => new ServerBreaker(limits, time));

    /// <summary>What a mailbox's status shows: open when its own breaker or its server's is.</summary>
    public Mailboxes.CircuitState State(MailAccount account)
    {
        var own = _accounts.TryGetValue(account, out var entry)
            ? entry.State.CircuitState switch
            {
                CircuitState.Open or CircuitState.Isolated => Mailboxes.CircuitState.Open,
                CircuitState.HalfOpen => Mailboxes.CircuitState.HalfOpen,
                _ => Mailboxes.CircuitState.Closed,
            }
            : Mailboxes.CircuitState.Closed;
        var server = _servers.TryGetValue(account.Server, out var breaker) ? breaker.State : Mailboxes.CircuitState.Closed;
        return own == Mailboxes.CircuitState.Open || server == Mailboxes.CircuitState.Open ? Mailboxes.CircuitState.Open
            : own == Mailboxes.CircuitState.HalfOpen || server == Mailboxes.CircuitState.HalfOpen ? Mailboxes.CircuitState.HalfOpen
            : Mailboxes.CircuitState.Closed;
    }

    // One small pipeline per account polled; an account no longer polled keeps its entry (a few hundred bytes) until
    // the silo restarts, which even 100,000 mailboxes afford.
    private (ResiliencePipeline Pipeline, CircuitBreakerStateProvider State) Get(MailAccount account) => _accounts.GetOrAdd(account, _ =>
    {
        var state = new CircuitBreakerStateProvider();
        var transient = new PredicateBuilder().Handle<MailFetchException>(e => e.Failure == MailFetchFailure.Transient);
        var builder = new ResiliencePipelineBuilder();
        if (limits.RetryAttempts > 0)
        {
            // Polly takes no retry strategy of zero attempts: no retries is no strategy.
            builder.AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = transient,
                MaxRetryAttempts = limits.RetryAttempts,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = limits.RetryDelay,
            });
        }

        var pipeline = builder
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                ShouldHandle = transient,
                FailureRatio = 0.5,
                MinimumThroughput = 3,
                SamplingDuration = TimeSpan.FromSeconds(Math.Max(30, limits.CircuitBreakDuration.TotalSeconds * 2)),
                BreakDuration = limits.CircuitBreakDuration,
                StateProvider = state,
            })
            .Build();
        return (pipeline, state);
    });
}
