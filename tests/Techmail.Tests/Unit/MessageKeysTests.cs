using System.Text;
using Techmail.Polling;

namespace Techmail.Tests.Unit;

public sealed class MessageKeysTests
{
    [Fact]
    public void Keys_are_stable_and_depend_on_both_uid_and_bytes()
    {
        var raw = Encoding.ASCII.GetBytes("Subject: x\r\n\r\nbody");
        var key = MessageKeys.For("uid-1", raw);

        Assert.Equal(key, MessageKeys.For("uid-1", raw.ToArray()));
        Assert.NotEqual(key, MessageKeys.For("uid-2", raw));
        Assert.NotEqual(key, MessageKeys.For("uid-1", Encoding.ASCII.GetBytes("Subject: y\r\n\r\nbody")));
        Assert.Matches("^[0-9a-f]{32}$", key);
    }

    [Fact]
    public void Parsing_never_throws_and_says_why()
    {
        Assert.False(MessageParsing.TryParse([], out _, out var empty));
        Assert.Contains("empty", empty);
        Assert.True(MessageParsing.TryParse(Encoding.ASCII.GetBytes("From: a@b.example\r\nSubject: hi\r\n\r\nbody\r\n"), out var message, out _));
        Assert.Equal("hi", message!.Subject);
    }
}
