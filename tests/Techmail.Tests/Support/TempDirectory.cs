namespace Techmail.Tests.Support;

/// <summary>A directory of a test's own, removed afterwards.</summary>
public sealed class TempDirectory : IDisposable
{
    public TempDirectory(string prefix = "techmail-test")
    {
        Path = Directory.CreateTempSubdirectory(prefix + "-").FullName;
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A process we started may still be closing a file; the OS cleans temp eventually.
        }
    }
}
