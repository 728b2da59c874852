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

/** Audio modality: WAV tones of different lengths (so frame counts differ and padding is exercised). */
class MmlmAudioContractTest implements ObjectiveContract {
    private static Dataset data;

    @Override
    public ObjectiveFactory factory() { return new MmlmObjectiveFactory(); }

    @Override
    public Map<String, Object> config() {
        return Map.of("modality", "audio", "sample_rate", 8000, "frame_size", 32, "hop", 16, "max_frames", 6, "mask_prob", 0.3);
    }

    @Override
    public synchronized Dataset sampleData() {
        if (data != null) return data;
        try {
            Path dir = Files.createTempDirectory("mmlm-audio-contract");
            List<Example> ex = new ArrayList<>();
            List<Example> texts = TestDatasets.texts("sample", 6).examples();
            for (int i = 0; i < texts.size(); i++) {
                Media.tone(dir.resolve("tone" + i + ".wav"), 8000, 1, 200 + 100 * i, 40 + 20 * i, 0.5);
                ex.add(new Example(Map.of("text", texts.get(i).text(), "audio", "tone" + i + ".wav"), "sample.jsonl:" + (i + 1), dir));
            }
            return data = new Dataset("sample", ex);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public TransformerConfig model() { return TransformerConfig.bert(TestTokenizers.BYTE_VOCAB, 16, 1, 2, 16); }
}
