using System.Net;
using System.Net.Sockets;

namespace Techmail.Tests.Support;

/// <summary>
/// A port nothing listens on now, and that this test run has not handed out before: the kernel may give the same
/// ephemeral port to two listeners opened one after the other, and a silo given it twice (silo and gateway) is refused.
/// </summary>
public static class FreePort
{
    private static readonly HashSet<int> Given = [];

    public static int Next()
    {
        while (true)
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            lock (Given)
            {
                if (Given.Add(port))
                {
                    return port;
                }
            }
        }
    }
}
