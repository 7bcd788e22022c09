using Microsoft.AspNetCore.DataProtection;

namespace Techmail.Security;

/// <summary>Secrets sealed with ASP.NET Core Data Protection (authenticated encryption, rotating key ring).</summary>
public sealed class DataProtectionSecretProtector(IDataProtectionProvider provider) : ISecretProtector
{
    // The purpose string isolates these ciphertexts from any other use of the same key ring.
    private readonly IDataProtector _protector = provider.CreateProtector("Techmail.Secrets.v1");

    public string Protect(string plaintext) => _protector.Protect(plaintext);

    public string Unprotect(string protectedText) => _protector.Unprotect(protectedText);
}
