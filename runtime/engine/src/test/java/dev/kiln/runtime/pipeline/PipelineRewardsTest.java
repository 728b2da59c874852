package dev.kiln.runtime.pipeline;

import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.config.Config;
import dev.kiln.api.config.ConfigException;
import dev.kiln.api.plugin.ApiVersion;
import dev.kiln.api.reward.RewardContext;
import dev.kiln.api.reward.RewardFunction;
import dev.kiln.api.reward.RewardFunctionFactory;
import dev.kiln.api.testing.TestTokenizers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class PipelineRewardsTest {
    @TempDir
    Path tmp;

    /** Records the options and context each create() saw. */
    static final class Recording implements RewardFunctionFactory {
        final List<Map<String, Object>> options = new ArrayList<>();
        RewardContext context;

        @Override public String name() { return "rec"; }

        @Override public String apiVersion() { return ApiVersion.CURRENT; }

        @Override
        public RewardFunction create(Config c, RewardContext ctx) {
            options.add(c.raw());
            c.getInt("target", 1);
            c.finish();
            context = ctx;
            return new RewardFunction() {
                @Override public String name() { return "rec"; }

                @Override public double[] score(List<dev.kiln.api.reward.Completion> cs) { return new double[cs.size()]; }
            };
        }
    }

    private dev.kiln.api.reward.RewardFunctions rewards(Recording r) {
        return PipelineRewards.of(Map.of("rec", r, "other", new Recording()), TestTokenizers.bytes(), new NaiveBackend(), tmp);
    }

    @Test
    void anEntryIsResolvedByNameAndItsFactorySeesNeitherNameNorWeight() {
        Recording r = new Recording();
        var rewards = rewards(r);
        assertEquals("rec", rewards.create(new Config("finetune.signal.rewards[0]", Map.of("name", "rec", "weight", 0.5, "target", 3))).name());
        assertEquals(List.of(Map.of("target", 3)), r.options);
        assertEquals(List.of("other", "rec"), rewards.known());
        assertEquals(tmp.resolve("models/rm"), r.context.resolve("models/../models/rm"));
        assertSame(TestTokenizers.bytes().getClass(), r.context.tokenizer().getClass());
        var e = assertThrows(ConfigException.class, () -> rewards.create(new Config("finetune.signal.rewards[0]", Map.of("name", "rec", "tagret", 3))));
        assertTrue(e.getMessage().contains("tagret"), e.getMessage());
    }

    @Test
    void anUnknownOrMissingNameIsRefusedNamingTheKnownOnes() {
        var rewards = rewards(new Recording());
        var e = assertThrows(ConfigException.class, () -> rewards.create(new Config("finetune.signal.rewards[1]", Map.of("name", "lenght"))));
        assertTrue(e.getMessage().contains("finetune.signal.rewards[1]: key 'name'") && e.getMessage().contains("'lenght'")
                && e.getMessage().contains("known: other, rec"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> rewards.create(new Config("finetune.signal.rewards[0]", Map.of("weight", 1))));
        assertTrue(e.getMessage().contains("key 'name' is required"), e.getMessage());
    }

    @Test
    void aSavedModelLoadsFrozenInEvalModeWithItsHeadsByNameAndTokenizer() throws IOException {
        var be = new NaiveBackend();
        var tokenizer = dev.kiln.runtime.tokenizer.TokenizerSpec.standard().create("byte");
        Path dir = tmp.resolve("rm");
        var model = new dev.kiln.api.nn.Transformer(be, dev.kiln.api.nn.TransformerConfig.gpt2(tokenizer.vocabSize(), 16, 1, 2, 16), 3);
        dev.kiln.runtime.model.ModelStore.save(dir, model, Map.of("reward.score.weight", dev.kiln.api.tensor.Tensor.of(be, new float[] {1, 2}, 1, 2)),
                Map.of("objective", "reward"));
        dev.kiln.runtime.tokenizer.TokenizerSpec.standard().save(tokenizer, dir);
        Recording r = new Recording();
        rewards(r).create(new Config("s", Map.of("name", "rec")));
        RewardContext.SavedModel m = r.context.loadModel(dir);
        assertEquals(List.of("reward.score.weight"), List.copyOf(m.heads().keySet()), "heads by name without the heads. prefix");
        assertArrayEquals(new float[] {1, 2}, m.heads().get("reward.score.weight").toArray());
        assertFalse(m.model().isTraining(), "evaluation mode");
        assertTrue(m.model().parameters().stream().noneMatch(dev.kiln.api.tensor.Tensor::requiresGrad), "every parameter frozen");
        assertEquals(tokenizer.vocabSize(), m.tokenizer().vocabSize());
        assertEquals("reward", m.config().get("objective"));
    }

    @Test
    void loadingAMissingModelDirectoryNamesIt() {
        Recording r = new Recording();
        rewards(r).create(new Config("s", Map.of("name", "rec")));
        Path missing = tmp.resolve("no-such-model");
        IOException e = assertThrows(IOException.class, () -> r.context.loadModel(missing));
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
    }
}
