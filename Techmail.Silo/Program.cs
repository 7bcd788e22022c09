using Microsoft.AspNetCore.Builder;
using Techmail.Hosting;
using Techmail.Security.KeyRing;
using Techmail.Silo;
using Techmail.Silo.Http;
using Techmail.Silo.Http.OpenIdConnect;
using Techmail.Storage;

// A switch the silo does not know stops it before anything starts (keys are checked below, whatever their source).
if (SiloCommandLine.Check(args) is { Count: > 0 } switchErrors)
{
    foreach (var error in switchErrors)
    {
        Console.Error.WriteLine($"techmail-silo: invalid configuration: {error}");
    }

    return 2;
}

// appsettings.json sits next to the program; data paths stay relative to where the user runs it.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions
{
    Args = args,
    ContentRootPath = AppContext.BaseDirectory,
});

// Short switches for the settings people type most; every other key works as --Techmail:Key=value.
builder.Configuration.AddCommandLine(args, new Dictionary<string, string>(SiloCommandLine.Switches));

var (options, techmailErrors) = TechmailOptionsReader.Read(builder.Configuration);
var (openIdConnect, openIdConnectErrors) = OidcSettings.Read(builder.Configuration);
var errors = techmailErrors.Concat(openIdConnectErrors).ToList();
if (errors.Count > 0)
{
    foreach (var error in errors)
    {
        Console.Error.WriteLine($"techmail-silo: invalid configuration: {error}");
    }

    return 2;
}

Directory.CreateDirectory(options.FullDataDirectory);
var database = options.Database();
try
{
    await SchemaInstaller.Apply(database);
}
catch (Exception e)
{
    Console.Error.WriteLine($"techmail-silo: cannot prepare the {options.Storage} database: {e.Message}");
    return 3;
}

builder.UseOrleans(silo => silo.AddTechmail(options).AddTechmailHttp(options));
builder.AddTechmailHttp(options);
builder.Services.AddTechmailOpenIdConnect(openIdConnect);
builder.Services.AddHostedService<EngineReadinessReporter>();

var host = builder.Build();
var logger = host.Services.GetRequiredService<ILogger<Program>>();

// Before anything reads the key ring: a missing or wrong key file stops the start here, with the file to fix.
try
{
    var keys = host.Services.GetRequiredService<KeyRingKeys>();
    var sealing = host.Services.GetRequiredService<KeyRingSealer>().Seal();
    if (keys.Generated)
    {
        logger.LogWarning("Made the key file {KeyFile} that seals the key ring (owner-only); back it up apart from the data directory's other files", keys.Current.Source);
    }

    if (sealing.SealedNow + sealing.Resealed > 0)
    {
        logger.LogInformation(
            "Key ring: {SealedNow} entries stored in the clear and {Resealed} sealed with a previous key file are now sealed with {KeyFile}",
            sealing.SealedNow, sealing.Resealed, keys.Current.Source);
    }
}
catch (KeyRingException e)
{
    Console.Error.WriteLine($"techmail-silo: invalid configuration: {e.Message}");
    return 2;
}

// After the key ring's check: the console's antiforgery and sign-in read keys sealed by it as their pages are mapped.
host.MapTechmailHttp(options);

logger.LogInformation(
    "Techmail silo starting: storage {Storage} ({Location}), silo port {SiloPort}, gateway port {GatewayPort}",
    options.Storage,
    options.Storage == StorageKind.Sqlite ? options.SqliteFile : "PostgreSQL",
    options.SiloPort,
    options.GatewayPort);

if (options.Tls is { } tls)
{
    logger.LogInformation(
        "TLS on the gateway and between silos as {Subject}; peers must present a certificate issued by {Ca} (clients: {ClientRule})",
        tls.Certificate.Subject,
        string.Join("; ", tls.ClientCa.Select(c => c.Subject)),
        tls.RequireClientCertificate ? "required" : "optional");
}

host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStarted.Register(() =>
    logger.LogInformation(
        "Techmail silo ready: gateway {GatewayAddress}:{GatewayPort}, HTTP (health, metrics{Dashboard}) on {HttpAddress}:{HttpPort}, data in {DataDirectory}",
        options.GatewayAddress,
        options.GatewayPort,
        options.Dashboard ? ", dashboard" : "",
        options.HttpAddress,
        options.HttpPort,
        options.FullDataDirectory));

try
{
    await host.RunAsync();
    return 0;
}
catch (Exception e)
{
    logger.LogCritical(e, "Techmail silo stopped on an error");
    return 1;
}
