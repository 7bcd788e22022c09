using Techmail.Mailboxes;
using Techmail.Outgoing;
using Techmail.Tests.Support;

namespace Techmail.Tests.Outbox;

/// <summary>No value that becomes a header or an SMTP command may carry a line break of its own.</summary>
public sealed class OutboxHeaderInjectionTests
{
    public static TheoryData<string> Breaks => new() { "\r\nBcc: victim@example.net", "\nBcc: victim@example.net", "\rX: y" };

    [Theory]
    [MemberData(nameof(Breaks))]
    public void Outgoing_settings_refuse_line_breaks_in_every_header_value(string injected)
    {
        var outgoing = Samples.Outgoing();
        var cases = new (string Field, OutgoingSettings Settings)[]
        {
            ("outgoing.envelopeFrom", outgoing with { EnvelopeFrom = "bounces@example.com" + injected }),
            ("outgoing.friendlyFrom", outgoing with { FriendlyFrom = "support@example.com" + injected }),
            ("outgoing.replyTo", outgoing with { ReplyTo = "replies@example.com" + injected }),
            ("outgoing.displayName", outgoing with { DisplayName = "Support" + injected }),
        };

        foreach (var (field, settings) in cases)
        {
            var error = Assert.Single(MailboxSettingsValidator.Validate(Samples.Service() with { Outgoing = settings }));
            Assert.Equal(field, error.Field);
            Assert.Equal(HeaderValue.OneLineMessage, error.Message);
        }
    }

    [Theory]
    [MemberData(nameof(Breaks))]
    public void A_message_refuses_line_breaks_in_subject_recipients_and_in_reply_to(string injected)
    {
        var mail = new OutgoingMail(["customer@example.net"], "Your question", "Body lines\r\nare fine here.");
        Assert.Empty(OutgoingMessageBuilder.Validate(mail));

        Assert.Equal(["subject"], Fields(mail with { Subject = "Hello" + injected }));
        Assert.Equal(["to[0]"], Fields(mail with { To = ["customer@example.net" + injected] }));
        Assert.Equal(["inReplyTo"], Fields(mail with { InReplyTo = "<a@example.net>" + injected }));
        Assert.All(OutgoingMessageBuilder.Validate(mail with { Subject = injected }), e => Assert.Equal(HeaderValue.OneLineMessage, e.Message));
    }

    [Fact]
    public void A_long_display_name_is_still_refused_for_its_length()
    {
        var error = Assert.Single(MailboxSettingsValidator.Validate(Samples.Service() with { Outgoing = Samples.Outgoing() with { DisplayName = new string('x', 201) } }));
        Assert.Equal("outgoing.displayName", error.Field);
        Assert.Contains("200", error.Message);
    }

    private static List<string> Fields(OutgoingMail mail) => OutgoingMessageBuilder.Validate(mail).Select(e => e.Field).ToList();
}
