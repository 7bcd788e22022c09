using Spectre.Console.Cli;

namespace Techmail.Client.Infrastructure;

/// <summary>
/// The client's command tree as it is registered with Spectre.Console.Cli, remembered with each command's settings
/// type: Spectre does not expose its model, and the command line is checked against exactly the options each command
/// binds (see <see cref="CommandLineCheck"/>).
/// </summary>
public sealed class CommandCatalog
{
    private readonly Dictionary<string, CommandShape> _commands = new(StringComparer.Ordinal);
    private readonly HashSet<string> _branches = new(StringComparer.Ordinal);

    /// <summary>Every command by its path ("mailbox list"), in the order registered.</summary>
    public IReadOnlyCollection<CommandShape> Commands => _commands.Values;

    public CommandShape? Command(IReadOnlyList<string> path) => _commands.GetValueOrDefault(string.Join(' ', path));

    public bool IsBranch(IReadOnlyList<string> path) => _branches.Contains(string.Join(' ', path));

    /// <summary>The words that may follow <paramref name="path"/>: command and branch names one level down.</summary>
    public IEnumerable<string> Next(IReadOnlyList<string> path)
    {
        var prefix = path.Count == 0 ? "" : string.Join(' ', path) + " ";
        return _commands.Keys.Concat(_branches)
            .Where(p => p.StartsWith(prefix, StringComparison.Ordinal))
            .Select(p => p[prefix.Length..].Split(' ')[0])
            .Distinct(StringComparer.Ordinal);
    }

    /// <summary>Registers a top-level command.</summary>
    public ICommandConfigurator Add<TCommand>(IConfigurator config, string name, string description)
        where TCommand : class, ICommand
    {
        Remember<TCommand>(name);
        return config.AddCommand<TCommand>(name).WithDescription(description);
    }

    /// <summary>Registers a branch ("mailbox") and the commands <paramref name="build"/> adds to it.</summary>
    public void AddBranch(IConfigurator config, string name, string description, Action<Branch> build)
    {
        _branches.Add(name);
        config.AddBranch(name, branch =>
        {
            branch.SetDescription(description);
            build(new Branch(this, branch, name));
        });
    }

    private void Remember<TCommand>(string path)
    {
        var settings = typeof(TCommand).GetInterfaces()
            .Single(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(ICommand<>))
            .GetGenericArguments()[0];
        _commands.Add(path, CommandShape.Of(path, settings));
    }

    public sealed class Branch(CommandCatalog catalog, IConfigurator<CommandSettings> branch, string name)
    {
        public ICommandConfigurator Add<TCommand>(string command, string description)
            where TCommand : class, ICommandLimiter<CommandSettings>
        {
            catalog.Remember<TCommand>($"{name} {command}");
            return branch.AddCommand<TCommand>(command).WithDescription(description);
        }
    }
}
