using Techmail.Mailboxes;
using Techmail.Tenants;

namespace Techmail.Tests.Unit;

public sealed class TenantDirectoryTests
{
    private static MailboxSummary Box(string name, MailboxType type, string? account) =>
        new(name, type, true, MailboxDirection.Incoming, account, null, TimeSpan.FromMinutes(5));

    [Fact]
    public void Conflicts_are_found_by_account_and_cleared_by_removal_or_change()
    {
        var directory = new TenantDirectory();
        directory.Put(Box("s", MailboxType.Service, "host/a"));

        Assert.Contains("never share", directory.FindConflict(Box("m", MailboxType.Marketing, "host/a")));
        Assert.Contains("fetch the same mail twice", directory.FindConflict(Box("s2", MailboxType.Service, "host/a")));
        Assert.Null(directory.FindConflict(Box("s", MailboxType.Service, "host/a")));
        Assert.Null(directory.FindConflict(Box("m", MailboxType.Marketing, "host/b")));
        Assert.Null(directory.FindConflict(Box("m", MailboxType.Marketing, null)));

        directory.Put(Box("s", MailboxType.Service, "host/c"));
        Assert.Null(directory.FindConflict(Box("m", MailboxType.Marketing, "host/a")));

        directory.Remove("s");
        Assert.Null(directory.FindConflict(Box("m", MailboxType.Marketing, "host/c")));
        Assert.Equal(0, directory.Count);
    }

    [Fact]
    public void Account_keys_ignore_case_and_trailing_dots()
    {
        Assert.Equal(new AccountKey("Mail.Example.com.", "Support").Normalized, new AccountKey("mail.example.com", "support").Normalized);
        Assert.Equal(new AccountKey("Mail.Example.com.", "Support"), new AccountKey("mail.example.com", "SUPPORT"));
    }

    [Fact]
    public void Pages_are_ordinal_and_bounded()
    {
        var directory = new TenantDirectory();
        foreach (var name in new[] { "b", "a", "C", "c" })
        {
            directory.Put(Box(name, MailboxType.Service, null));
        }

        var first = directory.Page(null, 3);
        Assert.Equal(["C", "a", "b"], first.Items.Select(i => i.Name));
        Assert.Equal("b", first.NextAfter);
        var second = directory.Page(first.NextAfter, 3);
        Assert.Equal(["c"], second.Items.Select(i => i.Name));
        Assert.Null(second.NextAfter);
        Assert.Equal(4, directory.Page(null, 100_000).Items.Count);
    }

    [Fact]
    public void Grain_keys_stay_short_enough_for_the_reminder_table()
    {
        var longest = new string('t', MailboxKey.MaxNameLength) + "/" + new string('m', MailboxKey.MaxNameLength);
        Assert.True(MailboxKey.IsValidName(new string('m', MailboxKey.MaxNameLength)));
        Assert.False(MailboxKey.IsValidName(new string('m', MailboxKey.MaxNameLength + 1)));
        // The reminder and storage tables keep grain ids in 512 characters; "mailbox/" plus the key fits with room.
        Assert.True(("mailbox/" + longest).Length <= 150, "grain id length");
    }
}
