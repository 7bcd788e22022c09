using Techmail.Tests.Support;

namespace Techmail.Tests.EndToEnd;

/// <summary>One silo process shared by the CLI tests of a class; each test works in a tenant of its own.</summary>
public sealed class SiloProcessFixture : IAsyncLifetime
{
    private readonly TempDirectory _data = new("techmail-silo");

    public SiloProcess Silo { get; private set; } = null!;

    public Cli Cli(string tenant) => new(Silo.Gateway, tenant);

    public async Task InitializeAsync() => Silo = await SiloProcess.Start(_data.Path);

    public async Task DisposeAsync()
    {
        await Silo.DisposeAsync();
        _data.Dispose();
    }
}
