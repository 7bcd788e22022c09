using System.Buffers;
using System.Buffers.Text;

namespace Techmail.Incidents.Parsing;

/// <summary>
/// Base64 that keeps what decodes. MimeKit's decoder skips characters outside the alphabet and carries on, which
/// turns a damaged or footer-polluted attachment into plausible-looking garbage; this one stops at the first
/// character that cannot be base64 and returns the bytes before it, so what is kept is known to be good.
/// </summary>
internal static class LenientBase64
{
    private static readonly sbyte[] Values = BuildValues();

    /// <param name="complete">False when decoding stopped at damage or the data ended mid-quantum.</param>
    public static byte[] Decode(ReadOnlySpan<byte> encoded, out bool complete)
    {
        // Well-formed content, nearly all of it, goes through the vectorised decoder (which skips line breaks too);
        // only what it refuses is decoded here byte by byte to find how much is good.
        var wellFormed = ArrayPool<byte>.Shared.Rent(Base64.GetMaxDecodedFromUtf8Length(encoded.Length));
        try
        {
            if (Base64.DecodeFromUtf8(encoded, wellFormed, out _, out var length) == OperationStatus.Done)
            {
                complete = true;
                return wellFormed.AsSpan(0, length).ToArray();
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(wellFormed);
        }

        return DecodeLeniently(encoded, out complete);
    }

    private static byte[] DecodeLeniently(ReadOnlySpan<byte> encoded, out bool complete)
    {
        // Decoded into a pooled buffer, then copied out at its exact size: line breaks make the size unknown up front.
        var output = ArrayPool<byte>.Shared.Rent(encoded.Length / 4 * 3 + 3);
        var written = 0;
        var quantum = 0;
        var count = 0;
        complete = true;

        for (var i = 0; i < encoded.Length; i++)
        {
            var b = encoded[i];
            if (b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n') continue;
            if (b == '=')
            {
                // Padding ends a block. Some encoders write several padded blocks back to back, so decoding goes
                // on with the next one instead of stopping.
                written = Flush(quantum, count, output, written);
                quantum = count = 0;
                continue;
            }
            var value = Values[b];
            if (value < 0)
            {
                complete = false;
                break;
            }
            quantum = quantum << 6 | (byte)value;
            if (++count == 4)
            {
                output[written++] = (byte)(quantum >> 16);
                output[written++] = (byte)(quantum >> 8);
                output[written++] = (byte)quantum;
                quantum = count = 0;
            }
        }

        if (count > 0)
        {
            complete = false;
            written = Flush(quantum, count, output, written);
        }
        var decoded = output.AsSpan(0, written).ToArray();
        ArrayPool<byte>.Shared.Return(output);
        return decoded;
    }

    /// <summary>The whole bytes held by a partial quantum of <paramref name="count"/> characters.</summary>
    private static int Flush(int quantum, int count, byte[] output, int written)
    {
        switch (count)
        {
            case 2:
                output[written++] = (byte)(quantum >> 4);
                break;
            case 3:
                output[written++] = (byte)(quantum >> 10);
                output[written++] = (byte)(quantum >> 2);
                break;
        }
        return written;
    }

    private static sbyte[] BuildValues()
    {
        var values = new sbyte[256];
        Array.Fill(values, (sbyte)-1);
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        for (var i = 0; i < alphabet.Length; i++)
            values[alphabet[i]] = (sbyte)i;
        return values;
    }
}
