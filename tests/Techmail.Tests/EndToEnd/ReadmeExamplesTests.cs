using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Techmail.Tests.Support;

namespace Techmail.Tests.EndToEnd;

/// <summary>
/// The README's client command lines, run as written (by bash, from a directory where <c>scripts/techmail</c> is the
/// client) against a real silo process, in the order the README gives them. Lines that need what a test silo does not
/// have are left out, each for a reason this test names.
/// </summary>
public sealed partial class ReadmeExamplesTests
{
    [Fact]
    public async Task Every_readme_command_line_that_needs_no_mail_server_runs_as_written()
    {
        var (run, skipped) = Lines(await File.ReadAllTextAsync(Path.Combine(RepoPaths.Root, "README.md")));
        // What is left out and why; anything new the README shows must be run or given a reason here.
        Assert.All(skipped, s => Assert.Contains(s.Reason, new[] { "polls pop.example.com", "a placeholder to fill in", "needs a PostgreSQL cluster", "needs a silo with TLS" }));
        Assert.Contains(run, l => l.Contains("--tenant staging mailbox import mailboxes.json", StringComparison.Ordinal));
        Assert.True(run.Count >= 10, string.Join("\n", run));

        using var work = new TempDirectory("techmail-readme");
        Directory.CreateDirectory(work.File("scripts"));
        // The README's scripts/techmail builds and runs the client; here it is already built.
        var shim = work.File("scripts/techmail");
        await File.WriteAllTextAsync(shim, $"#!/usr/bin/env bash\nexec dotnet '{ProcessRunner.BuiltProgram("Techmail.Client")}' \"$@\"\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(shim, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        // As the README has it: the silo's data/ beside where the client runs, so the client finds the operator
        // token there by itself and no line needs a token.
        await using var silo = await SiloProcess.Start(work.File("data"));
        foreach (var line in run)
        {
            var info = new ProcessStartInfo("bash", ["-c", "set -o pipefail; " + line])
            {
                WorkingDirectory = work.Path,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = true,
                UseShellExecute = false,
            };
            info.Environment["TECHMAIL_GATEWAY"] = silo.Gateway;
            info.Environment.Remove("TECHMAIL_TENANT");
            info.Environment["DOTNET_NOLOGO"] = "1";
            info.Environment["NO_COLOR"] = "1";
            var result = await ProcessRunner.Run(info);
            Assert.True(result.ExitCode == 0, $"README line failed: {line}\n{result}");
        }

        // The bulk example moved the default tenant's mailbox into the staging tenant.
        var staging = JsonDocument.Parse(await new Cli(silo.Gateway, "staging").Ok("mailbox", "list", "--json")).RootElement;
        Assert.Equal("support", Assert.Single(staging.GetProperty("items").EnumerateArray()).GetProperty("name").GetString());
    }

    /// <summary>Each shell line (continuations joined) of the README's sh blocks that runs the client.</summary>
    private static (List<string> Run, List<(string Line, string Reason)> Skipped) Lines(string readme)
    {
        var run = new List<string>();
        var skipped = new List<(string, string)>();
        foreach (Match block in ShellBlock().Matches(readme))
        {
            var text = block.Groups[1].Value.Replace("\\\n", " ", StringComparison.Ordinal);
            foreach (var line in text.Split('\n').Select(l => l.Trim()).Where(l => l.Contains("scripts/techmail ", StringComparison.Ordinal)))
            {
                string? reason = block.Value.Contains("TECHMAIL_TLS", StringComparison.Ordinal) || line.Contains("--tls-", StringComparison.Ordinal) ? "needs a silo with TLS"
                    : line.Contains("$CS", StringComparison.Ordinal) ? "needs a PostgreSQL cluster"
                    : Placeholder().IsMatch(line.Split('#')[0]) ? "a placeholder to fill in"
                    : line.Contains(" mailbox poll ", StringComparison.Ordinal) ? "polls pop.example.com"
                    : null;
                if (reason is null)
                {
                    run.Add(line);
                }
                else
                {
                    skipped.Add((line, reason));
                }
            }
        }

        return (run, skipped);
    }

    [GeneratedRegex("```sh\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex ShellBlock();

    // ID, REF, FILE ... or an optional part in brackets: the line shows a form, not a command.
    [GeneratedRegex(@"\s(?:[A-Z]{2,}|\[[^\]]*\])(?:\s|$)")]
    private static partial Regex Placeholder();
}
