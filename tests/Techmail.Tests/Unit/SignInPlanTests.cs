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

    [Theory]
    [InlineData("CRAM-MD5")]
    [InlineData("DIGEST-MD5")]
    [InlineData("SCRAM-SHA-256")]
    [InlineData("APOP")]
    public void Without_tls_a_challenge_response_login_needs_the_same_permission_as_a_password(string mechanism)
    {
        // A captured CRAM-MD5, APOP or SCRAM exchange can be cracked offline: "it never shows the password" is not enough.
        var refused = Assert.Throws<MailFetchException>(() => Choose([mechanism], [mechanism, "PLAIN"], encrypted: false));
        Assert.Equal(MailFetchFailure.Authentication, refused.Failure);
        Assert.Equal($"relay:587: Techmail refuses to log in with {mechanism} without TLS, since a captured exchange can be cracked offline; use TLS or allow it with --smtp-allow-plaintext-password.", refused.Message);

        Assert.Equal(mechanism, Choose([mechanism], [mechanism, "PLAIN"], encrypted: false, allow: true).Mechanism);
        Assert.Equal(mechanism, Choose([mechanism], [mechanism, "PLAIN"], encrypted: true).Mechanism);
    }

    [Fact]
    public void Without_tls_and_permission_no_mechanism_is_picked_around_the_refusal()
    {
        // Before, PLAIN was skipped for CRAM-MD5 without TLS; now nothing goes over a connection without TLS unasked.
        var refused = Assert.Throws<MailFetchException>(() => Choose(["PLAIN", "CRAM-MD5"], ["PLAIN", "CRAM-MD5"], encrypted: false));
        Assert.Contains("refuses to send the password unencrypted (PLAIN without TLS)", refused.Message);
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
        Assert.Equal(new SignInChoice("APOP", SignInKind.Apop), Choose([], ["APOP", "PLAIN", "USER"], encrypted: true, sasl: ["PLAIN"]));
        Assert.Equal(new SignInChoice("USER", SignInKind.Command), Choose(["USER"], ["APOP", "PLAIN", "USER"], encrypted: true, sasl: ["PLAIN"]));
    }

    [Fact]
    public void Nothing_in_common_names_both_lists()
    {
        var e = Assert.Throws<MailFetchException>(() => Choose(["SCRAM-SHA-256"], ["PLAIN", "LOGIN"], encrypted: true));
        Assert.Equal("relay:587: offers none of the chosen mechanisms (SCRAM-SHA-256); it offers LOGIN, PLAIN.", e.Message);
    }
}
