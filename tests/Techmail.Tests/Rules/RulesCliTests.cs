using System.Text.Json;
using Techmail.Tests.EndToEnd;
using Techmail.Tests.Support;

namespace Techmail.Tests.Rules;

/// <summary>The real <c>techmail rules</c> commands against a real silo process.</summary>
public sealed class RulesCliTests(SiloProcessFixture fixture) : IClassFixture<SiloProcessFixture>
{
    private static readonly string ExampleFile = Path.Combine(RepoPaths.Root, "docs", "rules-example.json");

    [Fact]
    public async Task Import_list_export_and_test_through_the_real_client()
    {
        using var dir = new TempDirectory();
        var cli = fixture.Cli("rulescli" + Guid.NewGuid().ToString("N")[..8]);

        Assert.Contains("No rules.", await cli.Ok("rules", "list"));
        Assert.Contains("Imported 5 rules; the rules are now at version 1.", await cli.Ok("rules", "import", ExampleFile));

        var table = await cli.Ok("rules", "list");
        Assert.Contains("vip-customers", table);
        Assert.Contains("5 rule(s), run in this order.", table);
        var listed = JsonDocument.Parse(await cli.Ok("rules", "list", "--json")).RootElement;
        Assert.Equal(5, listed.GetArrayLength());
        Assert.Equal("ignore-out-of-office", listed[0].GetProperty("name").GetString());
        Assert.Equal("Any", listed[0].GetProperty("match").GetString());
        Assert.Equal(2, listed[0].GetProperty("conditions").GetInt32());
        Assert.Equal(4, listed[0].GetProperty("actions").GetInt32());
        Assert.False(listed[4].GetProperty("enabled").GetBoolean());

        var example = await File.ReadAllTextAsync(ExampleFile);
        Assert.Equal(example, await cli.Ok("rules", "export"));
        await cli.Ok("rules", "export", "--out", dir.File("exported.json"));
        Assert.Equal(example, await File.ReadAllTextAsync(dir.File("exported.json")));

        var mail = dir.File("invoice.eml");
        await File.WriteAllBytesAsync(mail, Incidents.CustomerMail.Raw("From: Ann <ann@bigcustomer.example>\nTo: billing@example.com\nSubject: Invoice 7\n\nWrong amount.\n"));
        var outcome = JsonDocument.Parse(await cli.Ok("rules", "test", mail, "--mailbox", "support", "--contact-known", "--json")).RootElement;
        Assert.Equal(["vip-customers", "invoices-to-billing"], outcome.GetProperty("fired").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("billing", outcome.GetProperty("queue").GetString());
        Assert.Equal("high", outcome.GetProperty("priority").GetString());
        Assert.Equal(["vip"], outcome.GetProperty("tags").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(JsonValueKind.Null, outcome.GetProperty("status").ValueKind);
        Assert.Equal(
            ["NotMatched", "Fired", "Fired", "NotMatched", "Disabled"],
            outcome.GetProperty("trace").EnumerateArray().Select(t => t.GetProperty("verdict").GetString()));

        var shown = await cli.Ok("rules", "test", mail, "--update");
        Assert.Contains("invoices-to-billing", shown);
        Assert.Contains("fired", shown);
        Assert.Contains("maria", shown);
        Assert.Contains("sent as usual", shown);
    }

    [Fact]
    public async Task A_broken_file_is_refused_with_every_problem_and_nothing_changes()
    {
        using var dir = new TempDirectory();
        var cli = fixture.Cli("rulescli" + Guid.NewGuid().ToString("N")[..8]);
        await cli.Ok("rules", "import", ExampleFile);
        var broken = dir.File("broken.json");
        await File.WriteAllTextAsync(broken, """
            {"rules": [
              {"name": "a", "conditions": [{"field": "subject", "op": "matches", "value": "x"}], "actions": {"queue": "q"}},
              {"name": "a", "conditions": [], "actions": {"status": "closed"}}
            ]}
            """);

        var refused = await cli.Run("rules", "import", broken);

        Assert.Equal(1, refused.ExitCode);
        var lines = refused.Stderr.Trim().Split('\n').Select(l => l.Trim()).ToList();
        Assert.Equal("techmail: the rules were refused (3 problems); nothing changed:", lines[0]);
        Assert.Contains("rules[0].conditions[0].op: 'matches' is not one of contains, equals, regex.", lines);
        Assert.Contains("rules[1].actions.status: 'closed' is not one of new, updated, waiting, solved.", lines);
        Assert.Contains(lines, l => l.StartsWith("rules[1].name: 'a' is already the name of rules[0]", StringComparison.Ordinal));
        Assert.Equal(await File.ReadAllTextAsync(ExampleFile), await cli.Ok("rules", "export"));

        var missing = await cli.Run("rules", "test", dir.File("nowhere.eml"));
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("nowhere.eml", missing.Stderr);
    }
}
