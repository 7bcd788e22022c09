using System.Diagnostics.CodeAnalysis;

namespace Techmail.Incidents.Parsing;

/// <summary>Either a readable customer message or the reason it cannot be used (the caller quarantines it with that).</summary>
public sealed record CustomerMessageResult
{
    private CustomerMessageResult(CustomerMessage? message, string? problem)
    {
        Message = message;
        Problem = problem;
    }

    public CustomerMessage? Message { get; }

    public string? Problem { get; }

    [MemberNotNullWhen(true, nameof(Message))]
    [MemberNotNullWhen(false, nameof(Problem))]
    public bool IsMessage => Message is not null;

    public static CustomerMessageResult Readable(CustomerMessage message) => new(message, null);

    public static CustomerMessageResult Unusable(string problem) => new(null, problem);
}
