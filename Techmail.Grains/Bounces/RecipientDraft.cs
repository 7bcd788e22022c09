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

    /// <summary>A copy of this draft for another address.</summary>
    public RecipientDraft WithAddress(string address) => new(address)
    {
        Action = Action,
        Status = Status,
        ReplyCode = ReplyCode,
        Diagnostic = Diagnostic,
        DiagnosticType = DiagnosticType,
        KnownReason = KnownReason,
        _context = _context,
        _contextSource = _contextSource,
    };

    private string? _context;
    private Func<string?>? _contextSource;

    /// <summary>Wider report text to fall back on when the diagnostic itself names no cause.</summary>
    public string? Context
    {
        get
        {
            if (_contextSource is { } source)
            {
                _contextSource = null;
                _context = source();
            }
            return _context;
        }
        set
        {
            _context = value;
            _contextSource = null;
        }
    }

    /// <summary>Computes <see cref="Context"/> only if it is ever read: most diagnostics name their cause.</summary>
    public void SetContext(Func<string?> source)
    {
        _context = null;
        _contextSource = source;
    }

    /// <summary>A cause the reader already knows from the report's own vocabulary (e.g. an SES bounce type).</summary>
    public BounceReason? KnownReason { get; set; }
}
