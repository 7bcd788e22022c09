using System.Text.RegularExpressions;

namespace Techmail.Incidents;

/// <summary>
/// The number a customer quotes for an incident: <c>YYMMDD-NNNNNN</c>, the day it was opened and that day's
/// sequence number, e.g. <c>261126-000042</c>. Two-digit years mean 2000-2099.
/// </summary>
public readonly partial record struct IncidentReference
{
    public const int MaxSequence = 999_999;
    public static readonly DateOnly FirstDay = new(2000, 1, 1);
    public static readonly DateOnly LastDay = new(2099, 12, 31);

    private const int Length = 13;

    public IncidentReference(DateOnly day, long sequence)
    {
        if (day < FirstDay || day > LastDay)
        {
            throw new ArgumentOutOfRangeException(nameof(day), day, "a reference's two-digit year covers 2000 to 2099.");
        }

        if (sequence is < 1 or > MaxSequence)
        {
            throw new ArgumentOutOfRangeException(nameof(sequence), sequence, $"must be 1 to {MaxSequence}.");
        }

        Day = day;
        Sequence = (int)sequence;
    }

    public DateOnly Day { get; }

    public int Sequence { get; }

    public override string ToString() => Format(Day, Sequence);

    public static string Format(DateOnly day, long sequence)
    {
        // Validated by the constructor, so a reference that could never be read back is never printed.
        var reference = new IncidentReference(day, sequence);
        return $"{reference.Day.Year % 100:D2}{reference.Day.Month:D2}{reference.Day.Day:D2}-{reference.Sequence:D6}";
    }

    /// <summary>Reads exactly <c>YYMMDD-NNNNNN</c> (surrounding space allowed) naming a real day and a sequence of 1 or more.</summary>
    public static bool TryParse(string? text, out IncidentReference reference)
    {
        reference = default;
        var span = (text ?? "").AsSpan().Trim();
        if (span.Length != Length || span[6] != '-')
        {
            return false;
        }

        // char.IsDigit would accept other scripts' digits, which no reference Techmail prints contains.
        if (!AllAsciiDigits(span[..6]) || !AllAsciiDigits(span[7..]))
        {
            return false;
        }

        var year = 2000 + Number(span[0..2]);
        var month = Number(span[2..4]);
        var dayOfMonth = Number(span[4..6]);
        var sequence = Number(span[7..]);
        if (month is < 1 or > 12 || dayOfMonth < 1 || dayOfMonth > DateTime.DaysInMonth(year, month) || sequence < 1)
        {
            return false;
        }

        reference = new IncidentReference(new DateOnly(year, month, dayOfMonth), sequence);
        return true;
    }

    /// <summary>
    /// The first valid reference a subject carries in one of these forms (any letter case, spaces optional):
    /// <c>[Incident: R]</c>, <c>[Incident #R]</c>, <c>[Incident R]</c>, <c>[Ref: R]</c>, <c>[Ref #R]</c>,
    /// <c>[Ref R]</c>, and without brackets <c>Incident #R</c>, <c>Incident: R</c>, <c>Ref: R</c>, <c>Ref #R</c>.
    /// </summary>
    /// <remarks>
    /// A bare <c>YYMMDD-NNNNNN</c> is not enough: customers' own order and invoice numbers look like that. The
    /// keyword is what says the number is ours; the caller still has to find the incident it names.
    /// </remarks>
    public static IncidentReference? FindInSubject(string? subject)
    {
        if (string.IsNullOrEmpty(subject))
        {
            return null;
        }

        try
        {
            foreach (Match match in SubjectReference().Matches(subject))
            {
                // A well-formed number naming no real day ("[Ref: 261399-000001]") does not hide a later good one.
                if (TryParse(match.Groups["reference"].Value, out var reference))
                {
                    return reference;
                }
            }
        }
        catch (RegexMatchTimeoutException)
        {
            // A subject is untrusted input; one too hostile to scan in time carries no reference we would trust.
        }

        return null;
    }

    // Bracketed: the keyword, then ':' or '#' or nothing. Bare: the keyword needs ':' or '#', so that prose such as
    // "ref 261126-000042" in a customer's subject is not taken for ours without the marker Techmail prints. Every
    // run of spaces is separated from the next by a required character, so a subject full of blanks cannot make
    // the pattern backtrack.
    [GeneratedRegex(
        @"\[\s*(?:incident|ref)\s*(?:[:#]\s*(?:#\s*)?)?(?<reference>[0-9]{6}-[0-9]{6})\s*\]|(?<![\p{L}\p{N}])(?:incident|ref)\s*(?::\s*(?:#\s*)?|#\s*)(?<reference>[0-9]{6}-[0-9]{6})(?![0-9])",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture,
        matchTimeoutMilliseconds: 1000)]
    private static partial Regex SubjectReference();

    private static bool AllAsciiDigits(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    private static int Number(ReadOnlySpan<char> digits)
    {
        var value = 0;
        foreach (var c in digits)
        {
            value = value * 10 + (c - '0');
        }

        return value;
    }
}
