using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using Techmail.Certificates;
using Techmail.Client.Infrastructure;

namespace Techmail.Client.Certificates;

public sealed class CertImportSettings : GlobalSettings
{
    [CommandArgument(0, "<FILE>"), Description("A certificate (PEM or DER), a PKCS#12 file (.p12/.pfx) with its private key, or a CRL.")]
    public string File { get; init; } = "";

    [CommandOption("--password-stdin"), Description("Read the PKCS#12 password from the first line of standard input.")]
    public bool PasswordStdin { get; init; }

    [CommandOption("--kind <KIND>"), Description("mailbox, smime-ca, server-ca, customer or crl; guessed from the file when left out, except for a CA, which needs smime-ca or server-ca.")]
    public string? Kind { get; init; }
}

public sealed class CertThumbprintSettings : GlobalSettings
{
    [CommandArgument(0, "<THUMBPRINT>"), Description("SHA-1 thumbprint in hex, as 'cert list' prints it.")]
    public string Thumbprint { get; init; } = "";
}

/// <summary>How the command line spells a certificate's kind, both ways.</summary>
public static class CertificateKinds
{
    public static string Name(CertificateKind kind) => kind switch
    {
        CertificateKind.SmimeCa => "smime-ca",
        CertificateKind.ServerCa => "server-ca",
        _ => kind.ToString().ToLowerInvariant(),
    };

    public static CertificateKind? Parse(string text) =>
        Enum.GetValues<CertificateKind>().Select(k => (CertificateKind?)k).FirstOrDefault(k => Name(k!.Value) == text.ToLowerInvariant());
}

public sealed class CertImportCommand : TechmailCommand<CertImportSettings>
{
    protected override void Prepare(CertImportSettings o)
    {
        if (o.Kind?.ToLowerInvariant() == "ca")
        {
            throw new CommandFailure("--kind ca is ambiguous: say what the CA is trusted for, --kind smime-ca (customers' S/MIME signatures) or --kind server-ca (the mail servers' TLS certificates).", ExitCodes.Usage);
        }

        if (o.Kind is not null && o.Kind.ToLowerInvariant() != "crl" && CertificateKinds.Parse(o.Kind) is null)
        {
            throw new CommandFailure($"--kind must be mailbox, smime-ca, server-ca, customer or crl, not '{o.Kind}'.", ExitCodes.Usage);
        }

        if (!System.IO.File.Exists(o.File))
        {
            throw new CommandFailure($"{o.File}: no such file.", ExitCodes.Usage);
        }
    }

    protected override async Task<int> Run(IClusterClient client, CertImportSettings o, CancellationToken cancellationToken)
    {
        var content = await System.IO.File.ReadAllBytesAsync(o.File, cancellationToken);
        var password = o.PasswordStdin ? Console.In.ReadLine() ?? throw new CommandFailure("expected a password on standard input.") : null;
        var kind = o.Kind is null ? null : CertificateKinds.Parse(o.Kind);
        var result = await client.GetGrain<ICertificateGrain>(o.EffectiveTenant).Import(content, password, kind);
        if (o.Kind?.ToLowerInvariant() == "crl" && result.Crl is null)
        {
            Output.Error("the file was a certificate, not a CRL; it was imported as one.");
        }

        if (o.Json)
        {
            Output.WriteJson(result);
            return ExitCodes.Ok;
        }

        foreach (var c in result.Certificates)
        {
            Console.WriteLine($"imported {CertificateKinds.Name(c.Kind)} certificate {c.Thumbprint} {c.Subject}");
        }

        if (result.Crl is { } crl)
        {
            Console.WriteLine($"imported CRL {crl.Thumbprint} from {crl.Issuer}: {crl.Revoked} revoked certificate(s)");
        }

        return ExitCodes.Ok;
    }
}

public sealed class CertListCommand : TechmailCommand<GlobalSettings>
{
    protected override async Task<int> Run(IClusterClient client, GlobalSettings o, CancellationToken cancellationToken)
    {
        var listing = await client.GetGrain<ICertificateGrain>(o.EffectiveTenant).List();
        if (o.Json)
        {
            Output.WriteJson(listing);
            return ExitCodes.Ok;
        }

        var table = new Table().AddColumns("Thumbprint", "Kind", "Subject", "Issuer", "Valid from", "Valid until", "Used by");
        foreach (var c in listing.Certificates)
        {
            table.AddRow(c.Thumbprint, CertificateKinds.Name(c.Kind) + (c.Source == CertificateSource.Harvested ? " (harvested)" : ""),
                Output.Escape(c.Subject), Output.Escape(c.Issuer), c.NotBefore.ToString("u"), Until(c.NotAfter), Output.Escape(string.Join(", ", c.UsedBy)));
        }

        foreach (var crl in listing.Crls)
        {
            table.AddRow(crl.Thumbprint, "crl", $"{crl.Revoked} revoked", Output.Escape(crl.Issuer), crl.ThisUpdate.ToString("u"), crl.NextUpdate?.ToString("u") ?? "-", "");
        }

        AnsiConsole.Write(table);
        Console.WriteLine($"{listing.Certificates.Count} certificate(s), {listing.Crls.Count} CRL(s).");
        return ExitCodes.Ok;
    }

    internal static string Until(DateTimeOffset notAfter) =>
        notAfter < DateTimeOffset.UtcNow ? $"[red]{notAfter:u} (expired)[/]" : notAfter < DateTimeOffset.UtcNow.AddDays(30) ? $"[yellow]{notAfter:u}[/]" : notAfter.ToString("u");
}

public sealed class CertShowCommand : TechmailCommand<CertThumbprintSettings>
{
    protected override async Task<int> Run(IClusterClient client, CertThumbprintSettings o, CancellationToken cancellationToken)
    {
        var c = await client.GetGrain<ICertificateGrain>(o.EffectiveTenant).Show(o.Thumbprint)
            ?? throw new CommandFailure($"no certificate {o.Thumbprint} in tenant '{o.EffectiveTenant}'.", ExitCodes.Refused);
        if (o.Json)
        {
            Output.WriteJson(c);
            return ExitCodes.Ok;
        }

        var grid = new Grid().AddColumn().AddColumn();
        grid.AddRow("[grey]Thumbprint[/]", c.Thumbprint);
        grid.AddRow("[grey]Kind[/]", $"{CertificateKinds.Name(c.Kind)}, {c.Source.ToString().ToLowerInvariant()} {c.Created:u}");
        grid.AddRow("[grey]Subject[/]", Output.Escape(c.Subject));
        grid.AddRow("[grey]Issuer[/]", Output.Escape(c.Issuer));
        grid.AddRow("[grey]Valid[/]", $"{c.NotBefore:u} to {CertListCommand.Until(c.NotAfter)}");
        grid.AddRow("[grey]Addresses[/]", Output.Escape(string.Join(", ", c.Addresses)));
        grid.AddRow("[grey]Private key[/]", c.HasPrivateKey ? "yes (sealed)" : "no");
        grid.AddRow("[grey]Used by[/]", c.UsedBy.Count == 0 ? "-" : Output.Escape(string.Join(", ", c.UsedBy)));
        AnsiConsole.Write(grid);
        return ExitCodes.Ok;
    }
}

public sealed class CertRemoveCommand : TechmailCommand<CertThumbprintSettings>
{
    protected override async Task<int> Run(IClusterClient client, CertThumbprintSettings o, CancellationToken cancellationToken)
    {
        await client.GetGrain<ICertificateGrain>(o.EffectiveTenant).Remove(o.Thumbprint);
        if (o.Json)
        {
            Output.WriteJson(new { removed = o.Thumbprint });
        }
        else
        {
            Console.WriteLine($"removed {o.Thumbprint}");
        }

        return ExitCodes.Ok;
    }
}
