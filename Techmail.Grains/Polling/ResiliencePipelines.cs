using System.Collections.Concurrent;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;


namespace Techmail.Polling;

/// <summary>
/// One Polly pipeline per mail server (host and port): retries with exponential backoff and jitter for transient failures,
/// and a circuit breaker shared by every mailbox on that server, so a dead server costs one fast failure per
/// poll instead of a retry storm. Authentication and certificate failures are never retried.
/// </summary>
public sealed class ResiliencePipelines(PollingLimits limits)
{
    private readonly ConcurrentDictionary<string, (ResiliencePipeline Pipeline, CircuitBreakerStateProvider State)> _hosts =
        new(StringComparer.OrdinalIgnoreCase);

    public ResiliencePipeline For(string server) => Get(server).Pipeline;

    public Mailboxes.CircuitState State(string host) => _hosts.TryGetValue(host, out var entry)
        ? entry.State.CircuitState switch
        {
            Polly.CircuitBreaker.CircuitState.Open or Polly.CircuitBreaker.CircuitState.Isolated => Mailboxes.CircuitState.Open,
            Polly.CircuitBreaker.CircuitState.HalfOpen => Mailboxes.CircuitState.HalfOpen,
            _ => Mailboxes.CircuitState.Closed,
        }
        : Mailboxes.CircuitState.Closed;

    private (ResiliencePipeline Pipeline, CircuitBreakerStateProvider State) Get(string host) => _hosts.GetOrAdd(host, _ =>
    {
        var state = new CircuitBreakerStateProvider();
        var transient = new PredicateBuilder()
            .Handle<MailFetchException>(e => e.Failure == MailFetchFailure.Transient)
            .Handle<TimeoutRejectedException>();
        var pipeline = new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = transient,
                MaxRetryAttempts = Math.Max(0, limits.RetryAttempts),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = limits.RetryDelay,
            })
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                ShouldHandle = transient,
                FailureRatio = 0.5,
                MinimumThroughput = 3,
                SamplingDuration = TimeSpan.FromSeconds(Math.Max(30, limits.CircuitBreakDuration.TotalSeconds * 2)),
                BreakDuration = limits.CircuitBreakDuration,
                StateProvider = state,
            })
            .AddTimeout(limits.SessionTimeout)
            .Build();
        return (pipeline, state);
    });
}
