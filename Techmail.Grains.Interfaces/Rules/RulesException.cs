using Techmail.Mailboxes;

namespace Techmail.Rules;

/// <summary>
/// Rules refused, or a test message that cannot be read. Crosses the grain boundary with every problem intact;
/// each problem's field is the JSON path at fault (e.g. <c>rules[2].conditions[0].op</c>).
/// </summary>
[GenerateSerializer, Alias("Techmail.RulesException")]
public sealed class RulesException : Exception
{
    public RulesException(string message, IReadOnlyList<ValidationError>? errors = null)
        : base(message)
    {
        Errors = errors ?? [];
    }

    [Id(0)]
    public IReadOnlyList<ValidationError> Errors { get; private set; }

    public static RulesException Invalid(IReadOnlyList<ValidationError> errors) =>
        new($"the rules have {errors.Count} problem{(errors.Count == 1 ? "" : "s")}: {string.Join("; ", errors)}", errors);
}
