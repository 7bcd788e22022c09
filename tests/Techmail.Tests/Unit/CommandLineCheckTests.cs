using Techmail.Client;
using Techmail.Client.Infrastructure;

namespace Techmail.Tests.Unit;

/// <summary>
/// The client's command-line check, over every command the client registers (the catalog is filled as the real
/// application registers its commands with Spectre, so a command added later is covered without changing this test).
/// </summary>
public sealed class CommandLineCheckTests
{
    private static readonly CommandCatalog Catalog = TechmailApp.Build().Catalog;

    public static TheoryData<string> Commands()
    {
        var data = new TheoryData<string>();
        foreach (var command in Catalog.Commands)
        {
            data.Add(command.Path);
        }

        return data;
    }

    [Fact]
    public void The_catalog_holds_every_command_the_readme_lists_and_no_other()
    {
        var listed = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var row in File.ReadLines(Path.Combine(Support.RepoPaths.Root, "README.md")).Where(l => l.StartsWith("| `techmail ", StringComparison.Ordinal)))
        {
            var branch = "";
            // A table cell writes alternatives as "enable\|disable".
            foreach (var form in row.Replace("\\|", "\u0001", StringComparison.Ordinal).Split('|', 3)[1].Split('`').Where((_, i) => i % 2 == 1))
            {
                // "techmail mailbox enable|disable NAME", then "export" or "contact list --invalid" in the same cell.
                var words = form.Split(' ').SkipWhile(w => w == "techmail")
                    .TakeWhile(w => w.Length > 0 && char.IsLower(w[0])).ToList();
                if (words.Count == 1 && branch.Length > 0 && !Catalog.IsBranch(words))
                {
                    words.Insert(0, branch);
                }

                branch = words.Count > 1 ? words[0] : "";
                foreach (var last in words[^1].Split('\u0001'))
                {
                    listed.Add(string.Join(' ', words[..^1].Append(last)));
                }
            }
        }

        var registered = Catalog.Commands.Select(c => c.Path).ToList();
        Assert.Empty(listed.Except(registered));
        Assert.Empty(registered.Except(listed));
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public async Task Every_command_refuses_an_unknown_option_with_exit_code_2_and_a_line_naming_it(string path)
    {
        var command = Catalog.Commands.Single(c => c.Path == path);
        string[] args = [.. Line(command), "--frobnicate"];

        var failure = Assert.Throws<CommandFailure>(() => new CommandLineCheck(Catalog).Check(args));
        Assert.Equal(ExitCodes.Usage, failure.ExitCode);
        Assert.Equal($"unknown option '--frobnicate' for 'techmail {path}'.", failure.Message);
        // The whole client, as the program runs it: refused before anything connects.
        Assert.Equal(ExitCodes.Usage, await TechmailApp.Run(args));

        // Before the arguments, where it would once have swallowed one as its value.
        string[] early = [.. path.Split(' '), "--bogus-option", .. Line(command).Skip(path.Split(' ').Length)];
        Assert.Contains("'--bogus-option'", Assert.Throws<CommandFailure>(() => new CommandLineCheck(Catalog).Check(early)).Message);
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public void Every_option_of_every_command_that_takes_a_value_is_refused_without_one(string path)
    {
        var command = Catalog.Commands.Single(c => c.Path == path);
        foreach (var option in command.Options.Where(o => o.TakesValue))
        {
            string[][] lines = [[.. Line(command), option.Name], [.. Line(command), option.Name, "--help-me"]];
            foreach (var args in lines)
            {
                var failure = Assert.Throws<CommandFailure>(() => new CommandLineCheck(Catalog).Check(args));
                Assert.Equal(ExitCodes.Usage, failure.ExitCode);
                Assert.StartsWith($"option '{option.Name}' needs a value ({option.ValueName}) for 'techmail {path}'", failure.Message);
            }

            // Given one, it passes.
            var accepted = new CommandLineCheck(Catalog).Check([.. Line(command), option.Name, "1"]);
            Assert.True(accepted.Complete);
        }
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public void A_mistyped_option_of_every_command_is_refused_with_the_option_it_most_likely_meant(string path)
    {
        var command = Catalog.Commands.Single(c => c.Path == path);
        foreach (var name in command.Options.SelectMany(o => o.Names).Where(n => n.StartsWith("--", StringComparison.Ordinal) && n.Length >= 7))
        {
            // Two letters swapped inside the name: one edit away from it.
            var middle = name.Length / 2;
            var typo = name[..middle] + name[middle + 1] + name[middle] + name[(middle + 2)..];
            if (command.Option(typo) is not null || typo == name)
            {
                continue;
            }

            var failure = Assert.Throws<CommandFailure>(() => new CommandLineCheck(Catalog).Check([.. Line(command), typo]));
            Assert.Contains($"unknown option '{typo}' for 'techmail {path}'; did you mean '--", failure.Message);
        }
    }

    [Theory]
    [InlineData("mailbox update support --dicard spam=subject:contains:x", "did you mean '--discard'?")]
    [InlineData("mailbox update support --block-typ .exe", "did you mean '--block-type'?")]
    [InlineData("mailbox list --tenent staging", "did you mean '--tenant'?")]
    [InlineData("mailbox lst", "unknown command 'lst' for 'techmail mailbox'; did you mean 'list'?")]
    [InlineData("--tenent staging mailbox list", "unknown option '--tenent' before the command (only global options may come first); did you mean '--tenant'?")]
    [InlineData("mailbox list extra", "unexpected argument 'extra': 'techmail mailbox list' takes no arguments.")]
    [InlineData("mailbox poll", "'techmail mailbox poll' needs NAME.")]
    [InlineData("mailbox list --tenant a --tenant b", "option '--tenant' is given twice for 'techmail mailbox list'; it takes one value.")]
    [InlineData("mailbox list --json=yes", "option '--json' takes no value (found 'yes') for 'techmail mailbox list'.")]
    [InlineData("status -- --json", "'--' is not used by 'techmail status'")]
    [InlineData("--tenant staging message inspect a.eml", "unknown option '--tenant' for 'techmail message inspect'.")]
    public void What_an_admin_mistypes_is_refused_with_one_line_saying_what(string line, string expected)
    {
        var failure = Assert.Throws<CommandFailure>(() => new CommandLineCheck(Catalog).Check(line.Split(' ')));
        Assert.Equal(ExitCodes.Usage, failure.ExitCode);
        Assert.Contains(expected, failure.Message);
        Assert.DoesNotContain('\n', failure.Message);
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public void Every_global_option_of_every_command_works_before_the_command_too(string path)
    {
        var command = Catalog.Commands.Single(c => c.Path == path);
        var taken = new List<string>();
        if (command.Option("--json") is not null)
        {
            taken.Add("--json");
        }

        foreach (var name in new[] { "--tenant", "--gateway", "--connection", "--tls-certificate", "--tls-key", "--tls-key-password-file", "--tls-ca" })
        {
            if (command.Option(name) is not null)
            {
                taken.AddRange([name, "value-of" + name]);
            }
        }

        var (args, complete) = new CommandLineCheck(Catalog).Check([.. taken, .. Line(command)]);

        Assert.True(complete);
        // Spectre reads them after the command and its arguments, where the check moves them, in the order given.
        Assert.Equal([.. Line(command), .. taken], args);
    }

    [Fact]
    public void The_readme_bulk_import_line_reaches_the_import_command_with_its_tenant()
    {
        var (args, _) = new CommandLineCheck(Catalog).Check(["--tenant", "staging", "mailbox", "import", "mailboxes.json"]);
        Assert.Equal(["mailbox", "import", "mailboxes.json", "--tenant", "staging"], args);
    }

    [Fact]
    public void Values_that_look_like_options_are_taken_when_written_with_an_equals_sign_and_negative_numbers_as_they_are()
    {
        var check = new CommandLineCheck(Catalog);
        Assert.True(check.Check(["mailbox", "send", "support", "--to", "a@example.com", "--subject=--not-an-option"]).Complete);
        Assert.True(check.Check(["incident", "list", "--limit", "-5"]).Complete);
        Assert.True(check.Check(["mailbox", "import", StandardStreams.Protect(["-"])[0]]).Complete);
    }

    [Fact]
    public void Help_and_an_incomplete_command_go_to_spectre_for_the_usage()
    {
        var check = new CommandLineCheck(Catalog);
        Assert.True(check.Check(["mailbox", "list", "--help"]).Complete);
        var branch = check.Check(["mailbox"]);
        Assert.False(branch.Complete);
        Assert.Equal(["mailbox"], branch.Args);
        Assert.False(check.Check([]).Complete);
    }

    /// <summary>The command and a value for each argument it requires.</summary>
    private static string[] Line(CommandShape command) =>
        [.. command.Path.Split(' '), .. command.Arguments.Where(a => a.Required).Select((_, i) => $"arg{i + 1}")];
}
