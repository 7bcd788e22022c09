using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Techmail.Access;
using Techmail.Certificates;
using Techmail.Incidents;
using Techmail.Mailboxes;
using Techmail.Rules;
using Techmail.Versions;

namespace Techmail.Silo.Api;

/// <summary>
/// The one place the API turns a refusal into an answer: every endpoint of the <c>/api/v1</c> group runs inside
/// <see cref="Filter"/>, and each kind of exception the engine (or the API's own reading of a request) throws becomes
/// RFC 9457 problem details with the status it means. Endpoints never catch these themselves.
/// </summary>
public static class ApiProblems
{
    public static async ValueTask<object?> Filter(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            var result = await next(context);
            // A parameter the framework could not bind (a number that is not one) ends the request with an empty 400.
            return result is EmptyHttpResult && context.HttpContext.Response.StatusCode == StatusCodes.Status400BadRequest
                ? Problem(StatusCodes.Status400BadRequest, "Bad request", "a route, query or header parameter could not be read; see the API reference for its type")
                : result;
        }
        catch (Exception e) when (Answer(e) is { } problem)
        {
            return problem;
        }
        catch (Exception e)
        {
            context.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ApiProblems))
                .LogError(e, "API request {Method} {Path} failed", context.HttpContext.Request.Method, context.HttpContext.Request.Path);
            return Problem(StatusCodes.Status500InternalServerError, "Internal error", "the request failed inside Techmail; the silo's log has the details");
        }
    }

    /// <summary>The answer for a refusal, or null for a failure that is not one (a bug, an outage: a 500).</summary>
    public static IResult? Answer(Exception e) => e switch
    {
        AccessDeniedException denied => Problem(StatusCodes.Status403Forbidden, "Forbidden", denied.Message),
        TokenException refused => Problem(StatusCodes.Status400BadRequest, "Token refused", refused.Message),
        ApiInputException input => Invalid(input.Status, input.Message, [new ValidationError(input.Field, input.Message)]),
        VersionConflictException conflict => Problem(StatusCodes.Status412PreconditionFailed, "Changed meanwhile", conflict.Message,
            ("currentETag", conflict.Current is { } current ? ApiETags.Of(current) : null)),
        MailboxException { Kind: MailboxErrorKind.Invalid } invalid => Invalid(StatusCodes.Status400BadRequest, invalid.Message, invalid.Errors),
        MailboxException mailbox => Problem(mailbox.Kind switch
        {
            MailboxErrorKind.NotFound => StatusCodes.Status404NotFound,
            _ => StatusCodes.Status409Conflict,
        }, Title(mailbox.Kind.ToString()), mailbox.Message),
        IncidentException incident => Problem(incident.Kind switch
        {
            IncidentErrorKind.NotFound => StatusCodes.Status404NotFound,
            IncidentErrorKind.Invalid => StatusCodes.Status400BadRequest,
            _ => StatusCodes.Status409Conflict,
        }, Title(incident.Kind.ToString()), incident.Message),
        CertificateException certificate => Problem(certificate.Kind switch
        {
            CertificateErrorKind.NotFound => StatusCodes.Status404NotFound,
            CertificateErrorKind.Invalid => StatusCodes.Status400BadRequest,
            _ => StatusCodes.Status409Conflict,
        }, Title(certificate.Kind.ToString()), certificate.Message),
        RulesException rules => Invalid(StatusCodes.Status400BadRequest, rules.Message, rules.Errors),
        // The engine did not answer (a silo going away, a database that hangs): worth retrying, unlike a 500.
        TimeoutException or SiloUnavailableException => Problem(StatusCodes.Status503ServiceUnavailable, "Unavailable",
            "the engine did not answer in time; try again shortly"),
        _ => null,
    };

    public static ProblemHttpResult Problem(int status, string title, string detail, params (string Key, object? Value)[] extensions) =>
        TypedResults.Problem(detail, statusCode: status, title: title, extensions: extensions.ToDictionary(e => e.Key, e => e.Value));

    public static ProblemHttpResult NotFound(string detail) => Problem(StatusCodes.Status404NotFound, "Not found", detail);

    /// <summary>A refusal of fields: <c>errors</c> maps each field at fault to what is wrong with it.</summary>
    private static IResult Invalid(int status, string detail, IReadOnlyList<ValidationError> errors) =>
        errors.Count == 0
            ? Problem(status, "Invalid", detail)
            : TypedResults.Problem(new HttpValidationProblemDetails(
                errors.GroupBy(e => e.Field, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray()))
            {
                Status = status,
                Title = "Invalid",
                Detail = detail,
            });

    /// <summary>"AccountConflict" reads "Account conflict".</summary>
    private static string Title(string kind) =>
        string.Concat(kind.Select((c, i) => i > 0 && char.IsUpper(c) ? " " + char.ToLowerInvariant(c) : c.ToString()));
}
