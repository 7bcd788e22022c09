using Techmail.Access;

namespace Techmail.Bench;

/// <summary>
/// The benchmarks' clients act as the operator, as an operator's client run beside the data directory does: each call
/// carries the operator token the silo wrote there at its first start (any silo's serves a whole PostgreSQL cluster).
/// </summary>
public static class OperatorIdentity
{
    public static void Carry(IClientBuilder client, string dataDirectory)
    {
        var token = new Lazy<string>(() => File.ReadAllText(Path.Combine(dataDirectory, OperatorTokenFile.FileName)).Trim());
        client.CarryToken(() => token.Value);
    }
}
