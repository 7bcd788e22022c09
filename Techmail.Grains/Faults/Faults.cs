using System.Data.Common;
using System.Net.Sockets;
using Microsoft.Data.Sqlite;
using Npgsql;
using Techmail.Polling;

namespace Techmail.Faults;

/// <summary>
/// The one place that tells an outage from a failure caused by one message. Every stage that handles mail (poll,
/// screening, intake, incident builder, bounce intake, outbox) asks it, so "this message only" means the same
/// everywhere: set that one aside, go on with the rest; and an outage never sets good mail aside.
/// </summary>
public static class Faults
{
    /// <summary>The longest summary kept for a status line or a quarantine reason.</summary>
    public const int SummaryLength = 300;

    public static FaultKind Classify(Exception exception)
    {
        // The first exception in the chain that says what happened decides; wrappers without a verdict pass it on.
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case AggregateException aggregate:
                    return aggregate.InnerExceptions.Any(i => Classify(i) == FaultKind.Outage) ? FaultKind.Outage : FaultKind.ThisMessage;
                case DbException db:
                    return IsDataError(db) ? FaultKind.ThisMessage : FaultKind.Outage;
                case OperationCanceledException or TimeoutException or IOException or SocketException or ObjectDisposedException
                    or OutOfMemoryException or MailFetchException or Orleans.Storage.InconsistentStateException
                    or Orleans.Runtime.SiloUnavailableException or Orleans.Runtime.OrleansMessageRejectionException:
                    return FaultKind.Outage;
                case Orleans.Runtime.OrleansException when e.InnerException is null:
                    // The runtime failing a call on its own account (a silo leaving, a call timed out): the mail is fine.
                    return FaultKind.Outage;
            }
        }

        // Anything else came out of reading, deciding or writing this mail: the reader's or the database driver's
        // refusal of its bytes, an argument check, a bug its shape provokes. Retrying it would fail the same way.
        return FaultKind.ThisMessage;
    }

    /// <summary>
    /// A refusal of the values written, not of the database: PostgreSQL's data exceptions (class 22: U+0000 in text,
    /// invalid encodings, values out of range), integrity violations (23) and program limits such as an index row too
    /// large (54); SQLite's too big (18), constraint (19), mismatch (20) and range (25) errors.
    /// </summary>
    public static bool IsDataError(DbException exception) => exception switch
    {
        PostgresException p => p.SqlState.StartsWith("22", StringComparison.Ordinal)
            || p.SqlState.StartsWith("23", StringComparison.Ordinal)
            || p.SqlState.StartsWith("54", StringComparison.Ordinal),
        SqliteException s => s.SqliteErrorCode is 18 or 19 or 20 or 25,
        _ => false,
    };

    /// <summary>The first line of the failure's message, short enough for a status line; the exception's type when it has none.</summary>
    public static string Summary(Exception exception)
    {
        var line = exception.Message.AsSpan();
        var end = line.IndexOfAny('\r', '\n');
        if (end >= 0)
        {
            line = line[..end];
        }

        var text = line.Trim().ToString();
        return text.Length == 0 ? exception.GetType().Name : Storage.StorageText.Clip(text, SummaryLength);
    }
}
