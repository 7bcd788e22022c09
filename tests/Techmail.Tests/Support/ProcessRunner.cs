using System.Diagnostics;
using System.Text;

namespace Techmail.Tests.Support;

public sealed record ProcessResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";
}

/// <summary>
/// Runs the project's programs as <c>dotnet run --no-build --project ...</c> does: the Debug build of the project, with
/// the arguments given. It starts the built program directly (<c>dotnet techmail.dll</c>) rather than through
/// <c>dotnet run</c>, whose evaluation of the project cost about a second of CPU at every one of the suite's many
/// client runs, and which left a second process between a test and the silo it signals or kills.
/// </summary>
public static class ProcessRunner
{
    private static readonly string TargetFramework = new DirectoryInfo(AppContext.BaseDirectory).Name;

    public static ProcessStartInfo DotnetRun(string project, IEnumerable<string> args, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? RepoPaths.Root,
        };
        info.ArgumentList.Add(BuiltProgram(project));
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        // Keep test output plain and the runtime quiet.
        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["NO_COLOR"] = "1";
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        return info;
    }

    /// <summary>The program <c>dotnet build</c> made of <paramref name="project"/> (its Debug output, as <c>dotnet run</c> picks).</summary>
    public static string BuiltProgram(string project)
    {
        var directory = Path.Combine(RepoPaths.Root, project);
        var assembly = System.Xml.Linq.XDocument.Load(Path.Combine(directory, project + ".csproj"))
            .Descendants("AssemblyName").Select(e => e.Value.Trim()).FirstOrDefault() ?? project;
        var program = Path.Combine(directory, "bin", "Debug", TargetFramework, assembly + ".dll");
        return File.Exists(program)
            ? program
            : throw new FileNotFoundException($"{program} is not built: run dotnet build {project} first.", program);
    }

    public static async Task<ProcessResult> Run(ProcessStartInfo info, string? stdin = null, TimeSpan? timeout = null)
    {
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
        }

        process.StandardInput.Close();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{info.FileName} {string.Join(' ', info.ArgumentList)} did not finish in time.\n{await stdout}\n{await stderr}");
        }

        return new ProcessResult(process.ExitCode, await stdout, await stderr);
    }
}
