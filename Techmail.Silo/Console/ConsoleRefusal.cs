using Techmail.Access;
using Techmail.Incidents;
using Techmail.Versions;

namespace Techmail.Silo.WebConsole;

/// <summary>
/// The refusals a console form shows next to itself, in the engine's own words: the access filter's (the caller
/// may not), the engine's validation, and a change made on a version someone else has since changed. Anything else is a fault, left to the host's error handling.
/// </summary>
public static class ConsoleRefusal
{
    public static string? Of(Exception e) => e switch
    {
        AccessDeniedException denied => Sentence(denied.Message),
        IncidentException refused => Sentence(refused.Message),
        VersionConflictException => "Someone changed this since you opened it, so nothing was saved: what you see now is their version; make your change again.",
        _ => null,
    };

    private static string Sentence(string message) =>
        message.Length == 0 ? message : char.ToUpperInvariant(message[0]) + message[1..] + (message.EndsWith('.') ? "" : ".");
}
