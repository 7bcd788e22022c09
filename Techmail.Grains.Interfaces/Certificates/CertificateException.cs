namespace Techmail.Certificates;

public enum CertificateErrorKind
{
    NotFound,
    Invalid,
    InUse,
}

/// <summary>A refusal the client can show as it is.</summary>
[GenerateSerializer, Alias("Techmail.CertificateException")]
public sealed class CertificateException : Exception
{
    public CertificateException(CertificateErrorKind kind, string message) : base(message) => Kind = kind;

    [Id(0)]
    public CertificateErrorKind Kind { get; private set; }
}
