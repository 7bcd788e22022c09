using Techmail.Mailboxes;

namespace Techmail.Tenants;

/// <summary>A tenant's mailboxes by name, indexed by incoming account for the account rule.</summary>
public sealed class TenantDirectory
{
    private readonly SortedDictionary<string, MailboxSummary> _byName = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _byAccount = new(StringComparer.Ordinal);

    public int Count => _byName.Count;

    public MailboxSummary? Get(string name) => _byName.GetValueOrDefault(name);

    public void Put(MailboxSummary summary)
    {
        Remove(summary.Name);
        _byName[summary.Name] = summary;
        if (summary.IncomingAccount is { } account)
        {
            if (!_byAccount.TryGetValue(account, out var names))
            {
                _byAccount[account] = names = new HashSet<string>(StringComparer.Ordinal);
            }

            names.Add(summary.Name);
        }
    }

    public void Remove(string name)
    {
        if (_byName.Remove(name, out var old) && old.IncomingAccount is { } account && _byAccount.TryGetValue(account, out var names))
        {
            names.Remove(name);
            if (names.Count == 0)
            {
                _byAccount.Remove(account);
            }
        }
    }

    /// <summary>Why <paramref name="candidate"/> may not read its account, or null when it may.</summary>
    public string? FindConflict(MailboxSummary candidate)
    {
        if (candidate.IncomingAccount is not { } account || !_byAccount.TryGetValue(account, out var names))
        {
            return null;
        }

        foreach (var other in names)
        {
            if (other == candidate.Name)
            {
                continue;
            }

            var otherType = _byName[other].Type;
            return otherType != candidate.Type
                ? $"account {account} is already read by {otherType} mailbox '{other}'; Service and Marketing mailboxes never share an account."
                : $"account {account} is already read by mailbox '{other}'; two mailboxes polling one account would fetch the same mail twice.";
        }

        return null;
    }

    public MailboxPage Page(string? after, int take)
    {
        take = Math.Clamp(take, 1, MailboxPage.MaxTake);
        var items = (after is null ? _byName.Values : _byName.Values.SkipWhile(s => string.CompareOrdinal(s.Name, after) <= 0))
            .Take(take + 1)
            .ToList();
        var more = items.Count > take;
        if (more)
        {
            items.RemoveAt(take);
        }

        return new MailboxPage(items, _byName.Count, more ? items[^1].Name : null);
    }

    public int CountEnabled() => _byName.Values.Count(s => s.Enabled);
}
