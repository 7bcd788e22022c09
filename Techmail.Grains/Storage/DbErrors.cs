using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Techmail.Storage;

public static class DbErrors
{
    /// <summary>A unique index refused the row: someone else stored the same thing first.</summary>
    public static bool IsUniqueViolation(DbException e) => e switch
    {
        // SQLITE_CONSTRAINT_PRIMARYKEY (1555) and SQLITE_CONSTRAINT_UNIQUE (2067).
        SqliteException s => s.SqliteExtendedErrorCode is 1555 or 2067,
        PostgresException p => p.SqlState == PostgresErrorCodes.UniqueViolation,
        _ => false,
    };
}
