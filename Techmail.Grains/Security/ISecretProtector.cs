namespace Techmail.Security;

/// <summary>Encrypts secrets before they reach storage. Implementations must never log what they are given.</summary>
public interface ISecretProtector
{
    string Protect(string plaintext);

    string Unprotect(string protectedText);
}
