package dev.kiln.api.io;

import static dev.kiln.api.io.SafetensorsRoundTripTest.assertMessage;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every way a file can be malformed gives a SafetensorsException naming the file (and tensor). */
class SafetensorsCorruptFileTest {
    @TempDir Path dir;
    private int counter;

    /** Opens a file made of {@code header} + {@code dataBytes} zero bytes and expects failure. */
    private SafetensorsException rejects(String header, int dataBytes, String... parts) throws IOException {
        Path p = Fixtures.write(dir, "bad" + (counter++) + ".safetensors", Fixtures.file(header, new byte[dataBytes]));
        return rejectsFile(p, parts);
    }

    private SafetensorsException rejectsFile(Path p, String... parts) {
        SafetensorsException e = assertThrows(SafetensorsException.class, () -> SafetensorsFile.open(p).close());
        assertMessage(e, p, parts);
        return e;
    }

    private static String entry(String name, String dtype, String shape, String offsets) {
        return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":" + offsets + "}";
    }

    @Test
    void tooShortForTheLengthPrefix() throws IOException {
        rejectsFile(Fixtures.write(dir, "empty.safetensors", new byte[0]), "0 bytes");
        rejectsFile(Fixtures.write(dir, "three.safetensors", new byte[3]), "3 bytes");
    }

    @Test
    void headerLengthBeyondTheFile() throws IOException {
        byte[] b = Fixtures.concat(Fixtures.u64(1000), "{}".getBytes(StandardCharsets.US_ASCII));
        rejectsFile(Fixtures.write(dir, "long.safetensors", b), "header length 1000", "file truncated");
    }

    @Test
    void absurdHeaderLength() throws IOException {
        rejectsFile(Fixtures.write(dir, "huge.safetensors", Fixtures.concat(Fixtures.u64(200_000_000L), new byte[64])),
                "200000000", "limit");
        rejectsFile(Fixtures.write(dir, "neg.safetensors", Fixtures.concat(Fixtures.u64(-1L), new byte[64])),
                "18446744073709551615");
    }

    @Test
    void malformedJson() throws IOException {
        rejects("{\"a\":{", 0, "malformed JSON");
        rejects("{} trailing", 0, "malformed JSON");
        rejects("[1, 2]", 0, "does not start with '{'");
        byte[] badUtf8 = Fixtures.concat(Fixtures.u64(6), Fixtures.bytes('{', '"', 0xC3, 0x28, '"', '}'));
        rejectsFile(Fixtures.write(dir, "utf8.safetensors", badUtf8), "JSON");
    }

    @Test
    void metadataValuesMustBeStrings() throws IOException {
        rejects("{\"__metadata__\":{\"epoch\":3}}", 0, "metadata key 'epoch'", "string");
        rejects("{\"__metadata__\":{\"k\":null}}", 0, "metadata key 'k'");
        rejects("{\"__metadata__\":[\"x\"]}", 0, "__metadata__", "object");
    }

    @Test
    void unknownDtype() throws IOException {
        rejects("{" + entry("w", "F128", "[1]", "[0,16]") + "}", 16, "tensor 'w'", "unknown dtype 'F128'", "F32");
    }

    @Test
    void badShapes() throws IOException {
        rejects("{" + entry("w", "F32", "[-1]", "[0,4]") + "}", 4, "tensor 'w'", "negative");
        rejects("{" + entry("w", "F32", "[1.5]", "[0,4]") + "}", 4, "tensor 'w'", "integers");
        rejects("{" + entry("w", "F32", "\"2\"", "[0,8]") + "}", 8, "tensor 'w'", "shape");
        rejects("{" + entry("w", "F32", "[4294967296,4294967296,4294967296]", "[0,4]") + "}", 4, "tensor 'w'", "overflow");
    }

    @Test
    void badEntries() throws IOException {
        rejects("{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4, "tensor 'w'", "data_offsets");
        rejects("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"extra\":1}}", 4, "tensor 'w'", "unknown field 'extra'");
        rejects("{" + entry("w", "F32", "[1]", "[0]") + "}", 4, "tensor 'w'", "2 entries");
        rejects("{\"w\":[1,2]}", 4, "tensor 'w'", "object");
    }

    @Test
    void offsetsEndBeforeBegin() throws IOException {
        rejects("{" + entry("w", "F32", "[0]", "[8,4]") + "}", 8, "tensor 'w'", "end < begin");
    }

    @Test
    void offsetsOutOfBounds() throws IOException {
        rejects("{" + entry("w", "F32", "[4]", "[0,16]") + "}", 8, "tensor 'w'", "beyond the data buffer of 8 bytes");
    }

    @Test
    void byteSizeDoesNotMatchDtypeTimesShape() throws IOException {
        rejects("{" + entry("w", "F32", "[3]", "[0,8]") + "}", 8, "tensor 'w'", "12 bytes", "span 8 bytes");
        rejects("{" + entry("w", "BF16", "[2,2]", "[0,16]") + "}", 16, "tensor 'w'", "8 bytes");
    }

    @Test
    void overlappingTensors() throws IOException {
        rejects("{" + entry("a", "F32", "[2]", "[0,8]") + "," + entry("b", "F32", "[2]", "[4,12]") + "}", 12,
                "tensor 'b'", "overlap tensor 'a'");
    }

    @Test
    void gapsAndUncoveredBytes() throws IOException {
        rejects("{" + entry("a", "F32", "[1]", "[0,4]") + "," + entry("b", "F32", "[1]", "[8,12]") + "}", 12,
                "tensor 'b'", "gap of 4 bytes");
        rejects("{" + entry("a", "F32", "[1]", "[4,8]") + "}", 8, "tensor 'a'", "gap of 4 bytes");
        rejects("{" + entry("a", "F32", "[1]", "[0,4]") + "}", 8, "data buffer is 8 bytes but the tensors cover 4");
        rejects("{}", 3, "data buffer is 3 bytes");
    }

    @Test
    void duplicateNames() throws IOException {
        rejects("{" + entry("w", "F32", "[1]", "[0,4]") + "," + entry("w", "F32", "[1]", "[4,8]") + "}", 8,
                "duplicate tensor name 'w'");
    }

    @Test
    void invalidBoolBytesAreNotSilentlyAccepted() throws IOException {
        Path p = Fixtures.write(dir, "bool.safetensors",
                Fixtures.file("{" + entry("mask", "BOOL", "[2]", "[0,2]") + "}", Fixtures.bytes(1, 2)));
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertMessage(assertThrows(SafetensorsException.class, () -> f.ints("mask")), p, "tensor 'mask'", "byte value 2");
        }
    }

    @Test
    void everyTruncationIsRejected() throws IOException {
        Path good = dir.resolve("good.safetensors");
        SafetensorsWriter.write(good, Map.of("w", TensorData.f32(new int[] {2, 2}, new float[] {1, 2, 3, 4}),
                "ids", TensorData.i64(new int[] {2}, new long[] {5, 6})), Map.of("format", "pt"));
        byte[] all = Files.readAllBytes(good);
        for (int len = 0; len < all.length; len++) {
            Path cut = Fixtures.write(dir, "cut.safetensors", Arrays.copyOf(all, len));
            try {
                SafetensorsFile.open(cut).close();
                fail("a file truncated to " + len + " of " + all.length + " bytes was accepted");
            } catch (SafetensorsException e) {
                assertTrue(e.getMessage().contains(cut.toString()), e.getMessage());
            }
        }
    }

    @Test
    void corruptingAnyHeaderByteNeverCrashes() throws IOException {
        Path good = dir.resolve("good.safetensors");
        SafetensorsWriter.write(good, Map.of("w", TensorData.f32(new int[] {2}, new float[] {1, 2}),
                "m", TensorData.raw(DType.BOOL, new long[] {2}, Fixtures.bytes(0, 1))), Map.of("k", "v"));
        byte[] all = Files.readAllBytes(good);
        int headerEnd = all.length - 10;
        for (int i = 0; i < headerEnd; i++) {
            for (int flip : new int[] {0x01, 0x20, 0x80}) {
                byte[] b = all.clone();
                b[i] ^= (byte) flip;
                Path p = Fixtures.write(dir, "flip.safetensors", b);
                try (SafetensorsFile f = SafetensorsFile.open(p)) {
                    for (String name : f.names()) {
                        if (f.info(name).dtype().isFloating()) f.floats(name);
                        else f.longs(name);
                    }
                } catch (SafetensorsException expected) {
                    assertTrue(expected.getMessage().contains(p.toString()), expected.getMessage());
                }
            }
        }
    }

    @Test
    void missingFileNamesThePath() {
        Path p = dir.resolve("absent.safetensors");
        assertMessage(assertThrows(SafetensorsException.class, () -> SafetensorsFile.open(p)), p, "no such file");
    }
}
