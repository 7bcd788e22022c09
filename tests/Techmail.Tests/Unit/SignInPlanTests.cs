using Techmail.Authentication;
using Techmail.Polling;

namespace Techmail.Tests.Unit;

public sealed class SignInPlanTests
{
    private static readonly string[] Smtp = ["PLAIN", "LOGIN", "XOAUTH2", "OAUTHBEARER"];

    private static SignInChoice Choose(IReadOnlyList<string> wanted, IReadOnlyCollection<string> offered, bool encrypted, bool allow = false, IReadOnlyCollection<string>? sasl = null) =>
        SignInPlan.Choose("relay:587", wanted, offered, sasl ?? offered, encrypted, allow, "--smtp-allow-plaintext-password");

    [Fact]
    public void The_admins_order_wins_over_strength()
    {
        Assert.Equal("LOGIN", Choose(["login", "CRAM-MD5"], ["CRAM-MD5", "LOGIN"], encrypted: true).Mechanism);
    }

    [Fact]
    public void Without_tls_a_mechanism_that_keeps_the_password_is_taken_when_the_admin_also_named_one()
    {
        Assert.Equal("CRAM-MD5", Choose(["PLAIN", "CRAM-MD5"], ["PLAIN", "CRAM-MD5"], encrypted: false).Mechanism);
    }

    [Fact]
    public void SMTP_OAuth_tokens_are_chosen_over_tls_and_refused_without_it()
    {
        Assert.Equal(new SignInChoice("OAUTHBEARER", SignInKind.Sasl), Choose(["OAUTHBEARER"], Smtp, encrypted: true));
        Assert.Equal(new SignInChoice("XOAUTH2", SignInKind.Sasl), Choose(["XOAUTH2"], Smtp, encrypted: false, allow: true));

        var refused = Assert.Throws<MailFetchException>(() => Choose(["XOAUTH2"], Smtp, encrypted: false));
        Assert.Equal(MailFetchFailure.Authentication, refused.Failure);
        Assert.Equal("relay:587: Techmail refuses to send the OAuth token unencrypted (XOAUTH2 without TLS); use TLS or allow it with --smtp-allow-plaintext-password.", refused.Message);
    }

    [Fact]
    public void Pop3_commands_are_told_apart_from_sasl()
    {
        Assert.Equal(new SignInChoice("APOP", SignInKind.Apop), Choose([], ["APOP", "PLAIN", "USER"], encrypted: false, sasl: ["PLAIN"]));
        Assert.Equal(new SignInChoice("USER", SignInKind.Command), Choose(["USER"], ["APOP", "PLAIN", "USER"], encrypted: true, sasl: ["PLAIN"]));
    }

    [Fact]
    public void Nothing_in_common_names_both_lists()
    {
        var e = Assert.Throws<MailFetchException>(() => Choose(["SCRAM-SHA-256"], ["PLAIN", "LOGIN"], encrypted: true));
        Assert.Equal("relay:587: offers none of the chosen mechanisms (SCRAM-SHA-256); it offers LOGIN, PLAIN.", e.Message);
    }
}
