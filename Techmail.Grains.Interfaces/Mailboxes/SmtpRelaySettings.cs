namespace Techmail.Mailboxes;

/// <param name="Port">Null picks 465 for SSL on connect, else 587 (25 when TLS is off).</param>
/// <param name="Password">Same rules as <see cref="IncomingSettings.Password"/>.</param>
/// <param name="AuthMechanisms">SASL mechanisms in order of preference; null or empty lets the client choose.</param>
/// <param name="AllowPlaintextPassword">As <see cref="IncomingSettings.AllowPlaintextPassword"/>.</param>
/// <param name="OAuth">Log in as <see cref="User"/> with an OAuth 2.0 token instead of <see cref="Password"/>.</param>
[GenerateSerializer, Immutable, Alias("Techmail.SmtpRelaySettings")]
public sealed record SmtpRelaySettings(
    [property: Id(0)] string Host,
    [property: Id(1)] int? Port,
    [property: Id(2)] TlsMode Tls,
    [property: Id(3)] string? User,
    [property: Id(4)] string? Password,
    [property: Id(5)] ServerTrust? Trust = null,
    [property: Id(6)] IReadOnlyList<string>? AuthMechanisms = null,
    [property: Id(7)] bool AllowPlaintextPassword = false,
    [property: Id(8)] OAuthSettings? OAuth = null)
{
    public int EffectivePort => Port ?? Tls switch
    {
        TlsMode.SslOnConnect => 465,
        TlsMode.None => 25,
        _ => 587,
    };
}
