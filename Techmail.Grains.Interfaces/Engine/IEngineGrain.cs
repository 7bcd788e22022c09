namespace Techmail.Engine;

/// <summary>Engine-wide questions that span tenants. Use key 0.</summary>
[Alias("Techmail.IEngineGrain")]
public interface IEngineGrain : IGrainWithIntegerKey
{
    [Alias("GetStatus"), Requires(Permission.ReadCluster)]
    Task<EngineStatus> GetStatus();
}
