using Techmail.Tests.Support;

namespace Techmail.Bench;

/// <summary>
/// The benchmark's mail: small text messages (~3 KB) and large ones with a base64 attachment (~200 KB), each from a
/// customer of its own, as a support mailbox sees it (one sender's thousands of messages would be held as a flood).
/// </summary>
public static class BenchMessages
{
    private static readonly string Lorem = string.Concat(Enumerable.Repeat("lorem ipsum dolor sit amet consectetur adipiscing elit\n", 48));

    public static byte[] Small(int i) => TestMail.Simple($"Question {i}", from: $"customer{i}@example.net", body: Lorem);

    public static byte[] Large(int i) => TestMail.WithAttachment($"Logs {i}", "logs.bin", "application/octet-stream", 145_000, from: $"sender{i}@example.org");
}
