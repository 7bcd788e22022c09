using System.Data.Common;

namespace Techmail.Storage;

/// <summary>Reads that SQLite and PostgreSQL answer differently enough to need one careful place.</summary>
public static class DataReaderExtensions
{
    public static string? StringOrNull(this DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    /// <summary>Times are written as UTC; SQLite hands them back without a kind, PostgreSQL as UTC.</summary>
    public static DateTimeOffset Utc(this DbDataReader reader, int ordinal) =>
        new(DateTime.SpecifyKind(reader.GetDateTime(ordinal), DateTimeKind.Utc));

    public static DateTimeOffset? UtcOrNull(this DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.Utc(ordinal);
}
