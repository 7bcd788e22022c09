namespace Techmail.Bounces;

/// <summary>What a reader found about one recipient before the cause is decided.</summary>
internal sealed class RecipientDraft(string address)
{
    public string Address { get; } = address;
    public string? Action { get; set; }
    public string? Status { get; set; }
    public string? ReplyCode { get; set; }
    public string? Diagnostic { get; set; }
    public string? DiagnosticType { get; set; }

    /// <summary>Wider report text to fall back on when the diagnostic itself names no cause.</summary>
    public string? Context { get; set; }

    /// <summary>A cause the reader already knows from the report's own vocabulary (e.g. an SES bounce type).</summary>
    public BounceReason? KnownReason { get; set; }
}
