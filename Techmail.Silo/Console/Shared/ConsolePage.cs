using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Extensions;
using Techmail.Access;
using Techmail.Paging;
using Techmail.Silo.Api;
using Techmail.Silo.Http;

namespace Techmail.Silo.WebConsole.Shared;

/// <summary>
/// What every console page starts from: the request, the caller its policy verified, the tenant it works in and the
/// grain factory. Grain calls made while the page renders carry the request's caller (<see cref="GrainCallsAsCaller"/>),
/// so a page never decides on its own who may see or change engine data.
/// </summary>
public abstract class ConsolePage : ComponentBase
{
    [CascadingParameter]
    public HttpContext HttpContext { get; set; } = default!;

    [Inject]
    public IGrainFactory Grains { get; set; } = default!;

    /// <summary>Never null on a page: its policy let only a verified caller in.</summary>
    protected Caller Caller => HttpContext.Caller() ?? throw new InvalidOperationException("a console page was rendered without a verified caller");

    /// <summary>
    /// The tenant the page works in: the caller's own; an operator, who belongs to none, names one in the address
    /// (<c>?tenant=</c>). Null until an operator has named one.
    /// </summary>
    protected string? Tenant => ConsoleTenant.Of(HttpContext);

    /// <summary>A link within the console that keeps an operator's chosen tenant.</summary>
    protected string Link(string path) => ConsoleTenant.Keep(HttpContext, path);

    /// <summary>
    /// Where the page's list of <paramref name="list"/> continues: the API's cursor for it, read from the address's
    /// <paramref name="parameter"/>; null for the first page. A cursor that is not this list's throws
    /// <see cref="ApiInputException"/>, which the page shows as its refusal.
    /// </summary>
    protected ListPosition? Cursor(string parameter, string list, PositionShape shape) =>
        ApiPaging.Position(list, HttpContext.Request.Query[parameter].ToString() is { Length: > 0 } cursor ? cursor : null, shape);

    /// <summary>
    /// How many rows a page of a paged list shows: <paramref name="window"/>, or fewer when the address asks with
    /// <c>limit</c> as the API does (a phone, a link to a short list). Out of range throws <see cref="ApiInputException"/>.
    /// </summary>
    protected int RowsPerPage(int window)
    {
        var text = HttpContext.Request.Query[ApiPaging.LimitField].ToString();
        if (text.Length == 0)
        {
            return window;
        }

        return int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var limit)
            ? ApiPaging.Limit(limit, window, window)
            : throw new ApiInputException(ApiPaging.LimitField, $"from 1 to {window}");
    }

    /// <summary>What a page says when it cannot show its list: a part of the address it cannot read names that part.</summary>
    protected static string Refusal(Exception e) => e is ApiInputException input ? $"The address's {input.Field} cannot be used: {input.Message}." : e.Message;

    /// <summary>This page again with its filters as they are and <paramref name="parameter"/> set to the next page's cursor: an "Older" link.</summary>
    protected string OlderLink(string parameter, string list, ListPosition next)
    {
        var query = new QueryBuilder(HttpContext.Request.Query
            .Where(p => p.Key != parameter)
            .SelectMany(p => p.Value.Select(v => new KeyValuePair<string, string>(p.Key, v ?? ""))))
        {
            { parameter, ApiPaging.Encode(list, next)! },
        };
        return $"{HttpContext.Request.PathBase}{HttpContext.Request.Path}{query.ToQueryString()}";
    }
}
