package dev.kiln.api.io;

import static dev.kiln.api.io.SafetensorsRoundTripTest.assertMessage;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShardedSafetensorsTest {
    @TempDir Path dir;

    @BeforeEach
    void writeShards() throws IOException {
        SafetensorsWriter.write(dir.resolve("model-00001-of-00002.safetensors"), Map.of(
                "wte.weight", TensorData.f32(new int[] {2, 2}, new float[] {1, 2, 3, 4}),
                "h.0.w", TensorData.f32(new int[] {2}, new float[] {5, 6})));
        SafetensorsWriter.write(dir.resolve("model-00002-of-00002.safetensors"), Map.of(
                "h.1.w", TensorData.f32(new int[] {1}, new float[] {7}),
                "pos", TensorData.i64(new int[] {3}, new long[] {0, 1, 2})));
    }

    private Path index(String weightMap) throws IOException {
        Path p = dir.resolve(ShardedSafetensors.DEFAULT_INDEX);
        Files.writeString(p, "{\n  \"metadata\": {\"total_size\": 36},\n  \"weight_map\": {" + weightMap + "}\n}\n");
        return p;
    }

    private static final String GOOD = "\"wte.weight\": \"model-00001-of-00002.safetensors\","
            + "\"h.0.w\": \"model-00001-of-00002.safetensors\","
            + "\"h.1.w\": \"model-00002-of-00002.safetensors\","
            + "\"pos\": \"model-00002-of-00002.safetensors\"";

    @Test
    void presentsAllShardsAsOneSource() throws IOException {
        index(GOOD);
        try (TensorSource s = TensorSource.open(dir)) {
            ShardedSafetensors sharded = assertInstanceOf(ShardedSafetensors.class, s);
            assertEquals(List.of("wte.weight", "h.0.w", "h.1.w", "pos"), List.copyOf(s.names()));
            assertArrayEquals(new float[] {1, 2, 3, 4}, s.floats("wte.weight"));
            assertArrayEquals(new float[] {7}, s.floats("h.1.w"));
            assertArrayEquals(new long[] {0, 1, 2}, s.longs("pos"));
            assertArrayEquals(new long[] {2, 2}, s.info("wte.weight").shape());
            assertEquals("36", s.metadata().get("total_size"));
            assertEquals(2, sharded.shards().size());
            assertEquals("model-00002-of-00002.safetensors", sharded.shard("pos").path().getFileName().toString());
        }
    }

    @Test
    void singleFileDirectoryOpensTheFile() throws IOException {
        Path sub = Files.createDirectory(dir.resolve("single"));
        SafetensorsWriter.write(sub.resolve("model.safetensors"), Map.of("x", TensorData.f32(new int[] {1}, new float[] {1})));
        try (TensorSource s = TensorSource.open(sub)) {
            assertInstanceOf(SafetensorsFile.class, s);
            assertEquals(Set.of("x"), s.names());
        }
    }

    @Test
    void tensorMissingFromItsShard() throws IOException {
        Path idx = index(GOOD.replace("\"pos\": \"model-00002", "\"pos\": \"model-00001"));
        assertMessage(assertThrows(SafetensorsException.class, () -> ShardedSafetensors.open(idx)), idx, "tensor 'pos'",
                "model-00001-of-00002.safetensors");
    }

    @Test
    void shardHoldsAnUnlistedTensor() throws IOException {
        Path idx = index(GOOD.replace(",\"pos\": \"model-00002-of-00002.safetensors\"", ""));
        assertMessage(assertThrows(SafetensorsException.class, () -> ShardedSafetensors.open(idx)), idx, "tensor 'pos'",
                "does not list it");
    }

    @Test
    void missingShardAndEscapingPaths() throws IOException {
        Path idx = index("\"x\": \"model-00003-of-00002.safetensors\"");
        var e = assertThrows(SafetensorsException.class, () -> ShardedSafetensors.open(idx));
        assertEquals(true, e.getMessage().contains("model-00003-of-00002.safetensors"), e.getMessage());
        Path idx2 = index("\"x\": \"../outside.safetensors\"");
        assertMessage(assertThrows(SafetensorsException.class, () -> ShardedSafetensors.open(idx2)), idx2, "tensor 'x'", "inside");
    }

    @Test
    void malformedIndex() throws IOException {
        Path idx = dir.resolve("bad.index.json");
        Files.writeString(idx, "{\"weight_map\": {\n  \"a\": \"x\",\n  \"a\": \"y\"}}");
        assertMessage(assertThrows(SafetensorsException.class, () -> ShardedSafetensors.open(idx)), idx, "line 3", "duplicate tensor name 'a'");
        Files.writeString(idx, "{\"metadata\": {}}");
        assertMessage(assertThrows(SafetensorsException.class, () -> ShardedSafetensors.open(idx)), idx, "weight_map");
        Files.writeString(idx, "{\"weight_map\": {\"a\": 3}}");
        assertMessage(assertThrows(SafetensorsException.class, () -> ShardedSafetensors.open(idx)), idx, "tensor 'a'");
    }

    @Test
    void unknownTensor() throws IOException {
        Path idx = index(GOOD);
        try (ShardedSafetensors s = ShardedSafetensors.open(idx)) {
            assertMessage(assertThrows(SafetensorsException.class, () -> s.floats("nope")), idx, "tensor 'nope'");
        }
    }
}
