using System.Security.Cryptography;
using Techmail.Mailings;

namespace Techmail.Tests.Mailings;

public sealed class RecipientTagTests
{
    private static readonly byte[] Key = RandomNumberGenerator.GetBytes(32);

    [Fact]
    public void A_VERP_address_names_mailing_recipient_and_attempt_and_survives_a_relay_that_changes_its_case()
    {
        var tag = new RecipientTag(123456, 49_999, 2);
        var verp = tag.Verp("bounces@example.com", "acme", Key);

        Assert.Matches(@"^bounces\+m[0-9a-z]+-[0-9a-z]+-[0-9a-z]+-[a-z2-7]{13}@example\.com$", verp);
        Assert.True(verp.IndexOf('@') <= 64, verp);
        Assert.Equal(tag, RecipientTag.FromVerp(verp, "acme", Key));
        Assert.Equal(tag, RecipientTag.FromVerp(verp.ToUpperInvariant(), "acme", Key));
        Assert.Equal(tag, RecipientTag.FromVerp($"<{verp}>", "acme", Key));
        // Some relays write sub-addresses with '='.
        Assert.Equal(tag, RecipientTag.FromVerp(verp.Replace('+', '='), "acme", Key));
    }

    [Fact]
    public void A_tag_that_was_not_signed_for_this_tenant_with_this_key_is_no_tag()
    {
        var verp = new RecipientTag(7, 3, 1).Verp("bounces@example.com", "acme", Key);
        var text = verp[(verp.IndexOf('+') + 1)..verp.IndexOf('@')];

        Assert.Null(RecipientTag.FromVerp(verp, "other-tenant", Key));
        Assert.Null(RecipientTag.FromVerp(verp, "acme", RandomNumberGenerator.GetBytes(32)));
        // Another recipient's number under this recipient's signature.
        Assert.Null(RecipientTag.Read(text.Replace("-3-", "-4-"), "acme", Key));
        Assert.Null(RecipientTag.Read(text[..^1] + (text[^1] == 'a' ? 'b' : 'a'), "acme", Key));
        Assert.Null(RecipientTag.FromVerp("bounces+victim=example.net@example.com", "acme", Key));
        Assert.Null(RecipientTag.FromVerp("bounces@example.com", "acme", Key));
        Assert.Null(RecipientTag.Read("m1-2", "acme", Key));
        Assert.Null(RecipientTag.Read(null, "acme", Key));
    }
}
