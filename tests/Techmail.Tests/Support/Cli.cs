namespace Techmail.Tests.Support;

/// <summary>The real <c>techmail</c> command line against a gateway, in a tenant (null: none given).</summary>
public sealed class Cli(string gateway, string? tenant = "default", string? connection = null)
{
    public Task<ProcessResult> Run(params string[] args) => RunWithInput(null, args);

    public Task<ProcessResult> RunWithInput(string? stdin, params string[] args)
    {
        var info = ProcessRunner.DotnetRun("Techmail.Client", args);
        info.Environment["TECHMAIL_GATEWAY"] = gateway;
        if (tenant is null)
        {
            // No tenant at all, for the commands that then work across tenants.
            info.Environment.Remove("TECHMAIL_TENANT");
        }
        else
        {
            info.Environment["TECHMAIL_TENANT"] = tenant;
        }
        if (connection is not null)
        {
            info.Environment["TECHMAIL_CONNECTION"] = connection;
        }

        // The identity of every CLI test: the operator token of the silo it talks to (a test's own --token wins).
        if (SiloProcess.OperatorTokenFileFor(gateway, connection) is { } tokenFile)
        {
            info.Environment["TECHMAIL_TOKEN_FILE"] = tokenFile;
        }

        return ProcessRunner.Run(info, stdin);
    }

    /// <summary>Runs and insists on success, for the steps of a test that are not what it tests.</summary>
    public async Task<string> Ok(params string[] args)
    {
        var result = await Run(args);
        Assert.True(result.ExitCode == 0, $"techmail {string.Join(' ', args)} failed: {result}");
        return result.Stdout;
    }
}
