using System.Collections;
using Microsoft.Extensions.Logging;

namespace Techmail.Observability;

/// <summary>
/// The logger scope of a line about one message: its <c>TraceId</c>, the same one <see cref="MessageTrace"/> gives the
/// message's spans. Derived from tenant, mailbox and key, so the poll, the incident builder, bounce intake and the
/// outbox, whatever silo runs them and whether or not the message was sampled, all write the same id, and one search of
/// the log finds a message's whole path. The id is computed only when a formatter reads the scope (a line was written
/// with scopes on), never for lines filtered out.
/// </summary>
public sealed class MessageLogScope(string tenant, string mailbox, string messageKey) : IReadOnlyList<KeyValuePair<string, object?>>
{
    public const string TraceIdKey = "TraceId";

    private string? _traceId;

    public string TraceId => _traceId ??= MessageTrace.ContextOf(tenant, mailbox, messageKey).TraceId.ToHexString();

    public int Count => 1;

    public KeyValuePair<string, object?> this[int index] => index == 0
        ? new KeyValuePair<string, object?>(TraceIdKey, TraceId)
        : throw new ArgumentOutOfRangeException(nameof(index));

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
    {
        yield return this[0];
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>As the activity's own scope is shown by the text formatter (<c>TraceId:…</c>).</summary>
    public override string ToString() => $"{TraceIdKey}:{TraceId}";
}

/// <summary>The one way a line about a message gets that message's trace id: a scope around the work or the line.</summary>
public static class MessageLogging
{
    /// <summary>
    /// Lines written inside carry the message's trace id. Within a sampled poll the poll's own activity scope comes
    /// first with the poll's trace id; this one, innermost, is the message's.
    /// </summary>
    public static IDisposable? BeginMessageScope(this ILogger logger, string tenant, string mailbox, string messageKey) =>
        logger.BeginScope(new MessageLogScope(tenant, mailbox, messageKey));
}
