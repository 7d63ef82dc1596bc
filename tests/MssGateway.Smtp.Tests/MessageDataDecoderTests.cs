using System.Buffers;
using System.Text;

namespace MssGateway.Smtp.Tests;

/// <summary>The DATA decoder alone, fed in every possible split so state across buffers is exercised.</summary>
public sealed class MessageDataDecoderTests
{
    private static (string Output, bool Ended, long Consumed, MessageDataDecoder Decoder) DecodeInPieces(string wire, int pieceSize, bool dotStuffed = true)
    {
        var decoder = new MessageDataDecoder(dotStuffed, 1000);
        var output = new ArrayBufferWriter<byte>();
        var bytes = Encoding.ASCII.GetBytes(wire);
        long consumed = 0;
        var ended = false;
        for (var i = 0; i < bytes.Length && !ended; i += pieceSize)
        {
            var piece = bytes.AsMemory(i, Math.Min(pieceSize, bytes.Length - i));
            consumed += decoder.Decode(new ReadOnlySequence<byte>(piece), output, out ended);
        }

        return (Encoding.ASCII.GetString(output.WrittenSpan), ended, consumed, decoder);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(4096)]
    public void The_end_marker_is_found_whatever_the_splits(int pieceSize)
    {
        var (output, ended, consumed, decoder) = DecodeInPieces("a\r\n..b\r\n.c\r\n\r\n.\r\nNEXT COMMAND\r\n", pieceSize);
        Assert.True(ended);
        Assert.Equal("a\r\n.b\r\nc\r\n\r\n", output);
        Assert.Equal("a\r\n..b\r\n.c\r\n\r\n.\r\n".Length, consumed);
        Assert.False(decoder.BareLineEnding);
    }

    [Theory]
    [InlineData("a\n.\n")]
    [InlineData("a\r.\r")]
    [InlineData("a\r\n.\n")]
    [InlineData("a\r\n.\rx")]
    public void Lone_cr_or_lf_around_a_dot_is_not_an_end(string probe)
    {
        var (_, ended, _, decoder) = DecodeInPieces(probe, 1);
        Assert.False(ended);
        Assert.True(decoder.BareLineEnding);
    }

    [Fact]
    public void Bdat_content_is_not_unstuffed_and_a_missing_final_crlf_is_added()
    {
        var decoder = new MessageDataDecoder(dotStuffed: false, 1000);
        var output = new ArrayBufferWriter<byte>();
        decoder.Decode(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes("..x\r\n.\r\nlast")), output, out var ended);
        decoder.Finish(output);
        Assert.False(ended);
        Assert.Equal("..x\r\n.\r\nlast\r\n", Encoding.ASCII.GetString(output.WrittenSpan));
    }

    [Fact]
    public void A_cr_at_the_end_of_the_last_chunk_is_a_bare_cr()
    {
        var decoder = new MessageDataDecoder(dotStuffed: false, 1000);
        decoder.Decode(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes("abc\r")), null, out _);
        decoder.Finish(null);
        Assert.True(decoder.BareLineEnding);
    }

    [Fact]
    public void Line_length_counts_across_buffers()
    {
        var (_, _, _, decoder) = DecodeInPieces(new string('x', 999) + "\r\n.\r\n", 10);
        Assert.True(decoder.LineTooLong); // 999 + CRLF = 1001 > 1000
        var (_, _, _, ok) = DecodeInPieces(new string('x', 998) + "\r\n.\r\n", 10);
        Assert.False(ok.LineTooLong);
    }
}
