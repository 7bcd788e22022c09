using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Techmail.Certificates;

namespace Techmail.Silo.Api;

/// <summary>The tenant's certificates and CRLs: what <c>techmail cert ...</c> does.</summary>
public static class CertificateEndpoints
{
    private const long MaxFile = 1024 * 1024;

    public static RouteGroupBuilder MapCertificateApi(this RouteGroupBuilder api)
    {
        var certificates = api.MapGroup("/certificates").WithTags("Certificates");
        certificates.MapGet("", ListCertificates).WithSummary("The tenant's certificates and CRLs: subject, issuer, thumbprint, validity, mailboxes using each");
        certificates.MapGet("/{thumbprint}", Show).WithSummary("One certificate");
        certificates.MapPost("", Import).WithSummary("Store a certificate (PEM/DER), a PKCS#12 file with its key, a trusted CA or a CRL: multipart fields file, password, kind")
            .Accepts<IFormFile>("multipart/form-data");
        certificates.MapDelete("/{thumbprint}", Remove).WithSummary("Remove a certificate or CRL; one a mailbox uses is refused (409)");
        return api;
    }

    private static ICertificateGrain Grain(IGrainFactory grains, HttpContext context, string? tenant) =>
        grains.GetGrain<ICertificateGrain>(ApiRequest.Tenant(context, tenant));

    private static async Task<Ok<CertificateListing>> ListCertificates(string? tenant, HttpContext context, IGrainFactory grains) =>
        TypedResults.Ok(await Grain(grains, context, tenant).List());

    private static async Task<Results<Ok<CertificateInfo>, ProblemHttpResult>> Show(string thumbprint, string? tenant, HttpContext context, IGrainFactory grains) =>
        await Grain(grains, context, tenant).Show(thumbprint) is { } info
            ? TypedResults.Ok(info)
            : ApiProblems.NotFound($"no certificate {thumbprint} in tenant '{ApiRequest.Tenant(context, tenant)}'.");

    private static async Task<Created<CertificateImportResult>> Import(string? tenant, HttpContext context, IGrainFactory grains, CancellationToken cancellationToken)
    {
        if (!context.Request.HasFormContentType)
        {
            throw new ApiInputException("Content-Type", "send multipart/form-data with the file in the field 'file'", StatusCodes.Status415UnsupportedMediaType);
        }

        if (context.Request.ContentLength > MaxFile)
        {
            throw new ApiInputException("file", "at most 1 MB", StatusCodes.Status413PayloadTooLarge);
        }

        var form = await context.Request.ReadFormAsync(cancellationToken);
        var file = form.Files["file"] ?? throw new ApiInputException("file", "the certificate, PKCS#12 file or CRL is required");
        using var content = new MemoryStream();
        await file.CopyToAsync(content, cancellationToken);
        var kindText = form["kind"].ToString().Trim().ToLowerInvariant();
        CertificateKind? kind = kindText switch
        {
            "" or "crl" => null,
            "mailbox" => CertificateKind.Mailbox,
            "smime-ca" => CertificateKind.SmimeCa,
            "server-ca" => CertificateKind.ServerCa,
            "customer" => CertificateKind.Customer,
            "ca" => throw new ApiInputException("kind", "ambiguous: smime-ca (customers' S/MIME signatures) or server-ca (the mail servers' TLS certificates)"),
            _ => throw new ApiInputException("kind", $"'{kindText}' is not mailbox, smime-ca, server-ca, customer or crl"),
        };
        var password = form["password"].ToString() is { Length: > 0 } given ? given : null;
        var result = await Grain(grains, context, tenant).Import(content.ToArray(), password, kind);
        return TypedResults.Created("/api/v1/certificates", result);
    }

    private static async Task<NoContent> Remove(string thumbprint, string? tenant, HttpContext context, IGrainFactory grains)
    {
        await Grain(grains, context, tenant).Remove(thumbprint);
        return TypedResults.NoContent();
    }
}
