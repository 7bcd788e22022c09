using Techmail.Incidents;

namespace Techmail.Tests.Incidents;

public sealed class IncidentReferenceTests
{
    private static readonly DateOnly Nov26 = new(2026, 11, 26);

    [Theory]
    [InlineData(2026, 11, 26, 42, "261126-000042")]
    [InlineData(2000, 1, 1, 1, "000101-000001")]
    [InlineData(2099, 12, 31, 999_999, "991231-999999")]
    [InlineData(2028, 2, 29, 123_456, "280229-123456")]
    public void Formats_as_two_digit_year_month_day_and_six_digit_sequence(int year, int month, int day, long sequence, string expected)
    {
        Assert.Equal(expected, IncidentReference.Format(new DateOnly(year, month, day), sequence));
        Assert.Equal(expected, new IncidentReference(new DateOnly(year, month, day), sequence).ToString());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(1_000_000)]
    public void A_sequence_outside_1_to_999999_is_refused(long sequence)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => IncidentReference.Format(Nov26, sequence));
    }

    [Theory]
    [InlineData(1999, 12, 31)]
    [InlineData(2100, 1, 1)]
    public void A_day_the_two_digit_year_cannot_name_is_refused(int year, int month, int day)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => IncidentReference.Format(new DateOnly(year, month, day), 1));
    }

    [Theory]
    [InlineData("261126-000042", 2026, 11, 26, 42)]
    [InlineData("  261126-000042 ", 2026, 11, 26, 42)]
    [InlineData("000101-000001", 2000, 1, 1, 1)]
    [InlineData("991231-999999", 2099, 12, 31, 999_999)]
    [InlineData("240229-000007", 2024, 2, 29, 7)]
    public void Parses_what_it_formats(string text, int year, int month, int day, int sequence)
    {
        Assert.True(IncidentReference.TryParse(text, out var reference));
        Assert.Equal(new DateOnly(year, month, day), reference.Day);
        Assert.Equal(sequence, reference.Sequence);
        Assert.Equal(text.Trim(), reference.ToString());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("261126-000000")]     // sequences start at 1
    [InlineData("261131-000001")]     // 31 November
    [InlineData("250229-000001")]     // 2025 is no leap year
    [InlineData("261326-000001")]     // month 13
    [InlineData("261100-000001")]     // day 0
    [InlineData("261126-00042")]      // five-digit sequence
    [InlineData("261126-0000042")]    // seven-digit sequence
    [InlineData("20261126-000042")]   // four-digit year
    [InlineData("261126_000042")]
    [InlineData("261126 000042")]
    [InlineData("26112a-000042")]
    [InlineData("261126-٠٠٠٠٤٢")]     // Arabic-Indic digits are digits, but not ours
    [InlineData("+61126-000042")]
    public void Refuses_anything_but_a_real_day_and_a_six_digit_sequence(string? text)
    {
        Assert.False(IncidentReference.TryParse(text, out var reference));
        Assert.Equal(default, reference);
    }

    [Theory]
    [InlineData("[Incident: 261126-000042] Printer on fire")]
    [InlineData("Re: [Incident: 261126-000042] Printer on fire")]
    [InlineData("AW: Printer on fire [incident:261126-000042]")]
    [InlineData("RE: [INCIDENT #261126-000042]")]
    [InlineData("[Incident 261126-000042]")]
    [InlineData("[ Incident : 261126-000042 ]")]
    [InlineData("[Incident: #261126-000042]")]
    [InlineData("[Ref: 261126-000042]")]
    [InlineData("[REF #261126-000042] still broken")]
    [InlineData("[ref 261126-000042]")]
    [InlineData("Printer[Incident: 261126-000042]")]
    [InlineData("Question about Incident #261126-000042")]
    [InlineData("Question about incident #261126-000042, please call")]
    [InlineData("Incident: 261126-000042")]
    [InlineData("Incident:261126-000042")]
    [InlineData("Fwd: Ref: 261126-000042")]
    [InlineData("ref #261126-000042")]
    [InlineData("(Incident #261126-000042)")]
    public void Finds_a_reference_in_any_of_the_documented_subject_forms(string subject)
    {
        var reference = IncidentReference.FindInSubject(subject);
        Assert.Equal(new IncidentReference(Nov26, 42), reference);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("Printer on fire")]
    [InlineData("Order 261126-000042 not delivered")]       // no keyword: the customer's own number
    [InlineData("ref 261126-000042")]                        // bare keyword without ':' or '#'
    [InlineData("Incident #261126-0000423")]                 // longer number than ours
    [InlineData("[Incident: 261126-0000423]")]
    [InlineData("[Incident: 261131-000001]")]                // no 31 November
    [InlineData("[Incident: 261126-000000]")]
    [InlineData("Preincident #261126-000042")]                // keyword inside another word
    [InlineData("[Ticket: 261126-000042]")]
    [InlineData("[Incident: 261126 000042]")]
    public void Finds_nothing_without_a_keyword_and_a_valid_number(string? subject)
    {
        Assert.Null(IncidentReference.FindInSubject(subject));
    }

    [Fact]
    public void An_invalid_number_does_not_hide_a_valid_one_later_in_the_subject()
    {
        var reference = IncidentReference.FindInSubject("[Ref: 261131-000001] [Incident: 261126-000042]");
        Assert.Equal(new IncidentReference(Nov26, 42), reference);
    }

    [Fact]
    public void The_first_of_two_valid_references_wins()
    {
        var reference = IncidentReference.FindInSubject("Re: [Incident: 261127-000001] Fwd: [Incident: 261126-000042]");
        Assert.Equal(new IncidentReference(new DateOnly(2026, 11, 27), 1), reference);
    }

    [Fact]
    public void A_hostile_subject_of_blanks_and_brackets_is_scanned_quickly()
    {
        var subject = string.Concat(Enumerable.Repeat("[ incident " + new string(' ', 200) + ": #", 500));
        var started = System.Diagnostics.Stopwatch.StartNew();
        Assert.Null(IncidentReference.FindInSubject(subject));
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(1), $"took {started.Elapsed}");
    }
}
