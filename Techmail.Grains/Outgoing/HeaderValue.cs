namespace Techmail.Outgoing;

/// <summary>
/// The one rule every value bound for a mail header or an SMTP command obeys: a single line. A CR or LF
/// would let whoever controls the value start a header (or a command) of their own.
/// </summary>
public static class HeaderValue
{
    public const string OneLineMessage = "must be one line: CR and LF are refused so nothing can be injected into the headers.";

    public static bool IsOneLine(string? value) => value is null || value.AsSpan().IndexOfAny('\r', '\n') < 0;
}
