using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Techmail.Access;

namespace Techmail.Client.Infrastructure;

/// <summary>An Orleans client connected to one gateway for the life of a command.</summary>
public sealed class ClusterConnection : IAsyncDisposable
{
    private readonly IHost _host;

    private ClusterConnection(IHost host) => _host = host;

    public IClusterClient Client => _host.Services.GetRequiredService<IClusterClient>();

    /// <param name="connection">When set, gateways come from the cluster's membership table instead of <paramref name="gateway"/>.</param>
    /// <param name="tls">When set, the connection to the gateway is TLS with this client's certificate.</param>
    public static async Task<ClusterConnection> Open(string gateway, string? connection, ClientTls? tls, string? token, CancellationToken cancellationToken)
    {
        var endpoint = connection is null ? await Resolve(gateway) : null;
        var where = connection is null ? $"the silo at {gateway}" : "any silo of the cluster";
        var host = new HostBuilder()
            .UseOrleansClient(client =>
            {
                if (endpoint is not null)
                {
                    client.UseStaticClustering(endpoint);
                }
                else
                {
                    client.UseAdoNetClustering(o =>
                    {
                        o.Invariant = "Npgsql";
                        o.ConnectionString = connection;
                    });
                }

                client.Configure<ClusterOptions>(o =>
                {
                    o.ClusterId = Environment.GetEnvironmentVariable("TECHMAIL_CLUSTER_ID") ?? "techmail";
                    o.ServiceId = Environment.GetEnvironmentVariable("TECHMAIL_SERVICE_ID") ?? "techmail";
                });
                tls?.Apply(client);

                // Every call carries the token; the silo verifies it and decides who this is (never the client).
                client.CarryToken(() => token);

                // A CLI should say at once that nobody answers rather than retry for minutes.
                client.UseConnectionRetryFilter((_, _) => Task.FromResult(false));
            })
            .Build();

        try
        {
            await host.StartAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            host.Dispose();
            if (tls is not null && !IsNetworkFailure(e))
            {
                throw new CommandFailure(tls.Describe(where), ExitCodes.TlsRefused);
            }

            // A plain client at a TLS gateway gets through TCP and is then cut off; it cannot tell that from a
            // silo stopping mid-handshake, so it stays "unreachable" with a hint rather than a guess.
            var hint = tls is null && !IsNetworkFailure(e) ? "; if it has TLS on, give --tls-ca and --tls-certificate" : "";
            throw new CommandFailure($"cannot reach {where} ({Reason(e)}); is techmail-silo running{hint}?", ExitCodes.Unreachable);
        }

        return new ClusterConnection(host);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _host.StopAsync(TimeSpan.FromSeconds(5));
        }
        finally
        {
            _host.Dispose();
        }
    }

    private static async Task<IPEndPoint> Resolve(string gateway)
    {
        var colon = gateway.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(gateway[(colon + 1)..], out var port) || port is < 1 or > 65535)
        {
            throw new CommandFailure($"gateway '{gateway}' is not HOST:PORT.");
        }

        var host = gateway[..colon].Trim('[', ']');
        if (IPAddress.TryParse(host, out var address))
        {
            return new IPEndPoint(address, port);
        }

        try
        {
            var addresses = await Dns.GetHostAddressesAsync(host);
            var chosen = addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses.First();
            return new IPEndPoint(chosen, port);
        }
        catch (Exception e) when (e is SocketException or InvalidOperationException)
        {
            throw new CommandFailure($"cannot resolve gateway host '{host}'.", ExitCodes.Unreachable);
        }
    }

    /// <summary>Nobody listening or no route: the silo is down, which no certificate would change.</summary>
    private static bool IsNetworkFailure(Exception e)
    {
        for (var inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is SocketException)
            {
                return true;
            }
        }

        return false;
    }

    private static string Reason(Exception e)
    {
        var inner = e;
        while (inner.InnerException is not null && inner is not SocketException)
        {
            inner = inner.InnerException;
        }

        return inner is SocketException socket ? socket.SocketErrorCode.ToString() : inner.Message.Split('\n')[0].TrimEnd('.');
    }
}
