package dev.kiln.objective.mmlm;

import dev.kiln.api.data.Dataset;
import dev.kiln.api.data.Example;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.objective.ObjectiveContract;
import dev.kiln.api.objective.ObjectiveFactory;
import dev.kiln.api.testing.TestDatasets;
import dev.kiln.api.testing.TestTokenizers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Image modality with feature regression on: the projection, modality table and feature_out all get gradients. */
class MmlmObjectiveContractTest implements ObjectiveContract {
    private static Dataset data;

    @Override
    public ObjectiveFactory factory() { return new MmlmObjectiveFactory(); }

    @Override
    public Map<String, Object> config() {
        return Map.of("image_size", 8, "patch_size", 4, "mask_prob", 0.3, "feature_mask_prob", 0.5);
    }

    @Override
    public synchronized Dataset sampleData() {
        if (data != null) return data;
        try {
            Path dir = Files.createTempDirectory("mmlm-contract");
            List<Example> ex = new ArrayList<>();
            Random rng = new Random(1);
            List<Example> texts = TestDatasets.texts("sample", 6).examples();
            for (int i = 0; i < texts.size(); i++) {
                Media.shapes(dir.resolve("img" + i + ".png"), 8, 1 + i % 3, i % 4, i % 3, rng);
                ex.add(new Example(Map.of("text", texts.get(i).text(), "image", "img" + i + ".png"), "sample.jsonl:" + (i + 1), dir));
            }
            return data = new Dataset("sample", ex);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public TransformerConfig model() { return TransformerConfig.bert(TestTokenizers.BYTE_VOCAB, 16, 1, 2, 16); }
}
