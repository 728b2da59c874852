package dev.kiln.runtime.adapter;

import dev.kiln.api.autograd.GradMode;
import dev.kiln.api.finetune.FineTunerFactory;
import dev.kiln.api.io.Json;
import dev.kiln.api.nn.ModelInput;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.tensor.IntTensor;

import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

/** The adapter plugins as the runtime finds them, the fixture directories, and a logits helper. */
final class AdapterFixtures {
    private AdapterFixtures() {}

    /** Every FineTunerFactory on the class path by name (the four adapter plugins are test dependencies). */
    static Map<String, FineTunerFactory> plugins() {
        Map<String, FineTunerFactory> out = new LinkedHashMap<>();
        for (FineTunerFactory f : ServiceLoader.load(FineTunerFactory.class)) out.put(f.name(), f);
        return out;
    }

    /** A test resource directory, e.g. {@code hf/gpt2} or {@code peft/gpt2-lora}. */
    static Path resource(String dir) {
        URL url = AdapterFixtures.class.getResource("/" + dir);
        if (url == null) throw new IllegalStateException(dir + " is not on the test class path");
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** expected.json of a PEFT fixture: the inputs and the flattened [T, V] logits of each. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> expected(Path dir) throws IOException {
        Path file = dir.resolve("expected.json");
        return (Map<String, Object>) Json.parse(Files.readString(file), file.toString());
    }

    static int[] ints(Object list) {
        List<?> l = (List<?>) list;
        int[] out = new int[l.size()];
        for (int i = 0; i < out.length; i++) out[i] = ((Number) l.get(i)).intValue();
        return out;
    }

    static float[] floats(Object list) {
        List<?> l = (List<?>) list;
        float[] out = new float[l.size()];
        for (int i = 0; i < out.length; i++) out[i] = ((Number) l.get(i)).floatValue();
        return out;
    }

    /** Logits [T, V] of one sequence, flattened, in eval mode. */
    static float[] logits(Transformer model, int[] ids) {
        model.train(false);
        try (var g = GradMode.noGrad()) {
            return model.logits(model.forward(ModelInput.of(new IntTensor(ids, 1, ids.length)))).toArray();
        }
    }

    static float maxAbsDiff(float[] a, float[] b) {
        if (a.length != b.length) throw new AssertionError("lengths " + a.length + " vs " + b.length);
        float m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
        return m;
    }
}
