using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Techmail.Silo.Api;

/// <summary>
/// A request the API cannot take as it is: a parameter, header or body field that does not parse or is missing. It
/// names the field, as the engine's own validation does, and is answered with problem details before any grain is
/// called, so nothing changes.
/// </summary>
public sealed class ApiInputException(string field, string message, int status = StatusCodes.Status400BadRequest) : Exception(message)
{
    /// <summary>The parameter, header or JSON path at fault, as the request spells it (e.g. <c>limit</c>, <c>If-Match</c>).</summary>
    public string Field { get; } = field;

    public int Status { get; } = status;
}
