package dev.kiln.backend.cpu;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.BackendProvider;
import dev.kiln.api.config.Config;
import dev.kiln.api.config.ConfigException;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.ServiceLoader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CpuBackendProviderTest {

    private static BackendProvider provider(String name) {
        for (BackendProvider p : ServiceLoader.load(BackendProvider.class)) if (p.name().equals(name)) return p;
        throw new AssertionError("no provider " + name);
    }

    @Test
    void discoveredWithPriorityAboveNaive() {
        assertEquals(100, provider("cpu").priority());
        assertEquals(0, provider("naive").priority());
        assertTrue(provider("cpu").availability().available());
    }

    @Test
    void threadsKeyIsParsedStrictly() {
        try (Backend b = provider("cpu").create(new Config("backend 'cpu'", Map.of("threads", 3)))) {
            assertEquals(3, ((CpuBackend) b).threads());
            assertTrue(b.description().contains("3 threads"), b.description());
            assertTrue(b.description().contains(MicroKernel.VECTOR_API ? "Vector API" : "scalar"), b.description());
        }
        try (Backend b = provider("cpu").create(Config.empty("backend 'cpu'"))) {
            assertEquals(Runtime.getRuntime().availableProcessors(), ((CpuBackend) b).threads());
        }
        ConfigException unknown = assertThrows(ConfigException.class,
                () -> provider("cpu").create(new Config("backend 'cpu'", Map.of("thread", 2))));
        assertTrue(unknown.getMessage().contains("threads"), unknown.getMessage());
        assertThrows(ConfigException.class, () -> provider("cpu").create(new Config("backend 'cpu'", Map.of("threads", "two"))));
        assertThrows(ConfigException.class, () -> provider("cpu").create(new Config("backend 'cpu'", Map.of("threads", 0))));
    }

    /**
     * recompute unset: cross-entropy keeps one logsumexp per row, attention too unless its probabilities are no larger
     * than half of q, k, v and out (tk ≤ 2 · head dim); true: one logsumexp per row always; false: the full probabilities.
     */
    @Test
    void recomputeKeyChoosesWhatAttentionAndCrossEntropyKeep() {
        var spec = dev.kiln.api.backend.AttentionSpec.contiguous(2, 4, 4, 16, 16, 8, true);
        var longer = dev.kiln.api.backend.AttentionSpec.contiguous(2, 4, 4, 17, 17, 8, true);
        try (Backend b = provider("cpu").create(Config.empty("backend 'cpu'"))) {
            assertEquals(spec.probsSize(), b.attentionStatsSize(spec));
            assertEquals(2 * 4 * 17, b.attentionStatsSize(longer));
            assertEquals(10, b.crossEntropyStatsSize(10, 1000));
        }
        try (Backend b = provider("cpu").create(new Config("backend 'cpu'", Map.of("recompute", true)))) {
            assertEquals(2 * 4 * 16, b.attentionStatsSize(spec));
            assertEquals(10, b.crossEntropyStatsSize(10, 1000));
        }
        try (Backend b = provider("cpu").create(new Config("backend 'cpu'", Map.of("recompute", false)))) {
            assertEquals(spec.probsSize(), b.attentionStatsSize(spec));
            assertEquals(10 * 1000, b.crossEntropyStatsSize(10, 1000));
            assertTrue(b.description().contains("probabilities kept"), b.description());
        }
        assertThrows(ConfigException.class, () -> provider("cpu").create(new Config("backend 'cpu'", Map.of("recompute", "sometimes"))));
    }

    @Test
    void vectorKernelIsActiveUnderSurefire() {
        // surefire runs with --add-modules jdk.incubator.vector (see the pom)
        assertTrue(MicroKernel.VECTOR_API);
        try (CpuBackend b = new CpuBackend(1)) {
            assertTrue(b.description().contains("Vector API"), b.description());
        }
    }
}
