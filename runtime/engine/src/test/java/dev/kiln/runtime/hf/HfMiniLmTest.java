package dev.kiln.runtime.hf;

import dev.kiln.api.testing.RequiredInCi;
import dev.kiln.api.autograd.GradMode;
import dev.kiln.api.nn.ModelInput;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.tokenizer.Tokenizer;
import dev.kiln.backend.cpu.CpuBackend;
import dev.kiln.runtime.tokenizer.TokenizerFiles;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A real pretrained model: sentence-transformers' all-MiniLM-L6-v2 ({@code ../shared/models/}, a
 * BertModel in the Hub's layout, never committed) loads, tokenizes with its tokenizer.json, and its
 * mean-pooled sentence embeddings put paraphrases closer than unrelated sentences. Skipped when the
 * folder is missing, except under CI ({@code CI=true}), where that is a failure.
 */
class HfMiniLmTest {
    static final String MODEL = "all-MiniLM-L6-v2";

    @Test
    void paraphrasesAreCloserThanUnrelatedSentences() throws IOException {
        Path dir = sharedModel(MODEL);
        HfModel m = HfCheckpoints.load(dir, new CpuBackend(2));
        assertEquals("BertModel", m.architecture());
        assertEquals(List.of("pooler.dense.bias", "pooler.dense.weight"), m.report().newlyInitialized(),
                "the folder's file has no pooler (see shared/models/README.md): " + m.warnings());
        assertEquals(List.of(), m.report().unused());
        Tokenizer tok = TokenizerFiles.load(dir);
        assertEquals(30522, tok.vocabSize());

        float[][] e = embed(m.model(), tok, List.of(
                "A man is playing a guitar.",
                "Someone is playing the guitar.",
                "The stock market fell sharply this morning.",
                "Heavy rain is expected across the region tomorrow."));
        double paraphrase = cosine(e[0], e[1]), unrelated = Math.max(cosine(e[0], e[2]), cosine(e[0], e[3]));
        System.out.printf("all-MiniLM-L6-v2: cos(paraphrase) = %.3f, max cos(unrelated) = %.3f%n", paraphrase, unrelated);
        assertTrue(paraphrase > 0.6, "paraphrases should be close: cos = " + paraphrase);
        assertTrue(paraphrase - unrelated > 0.4, "paraphrase " + paraphrase + " vs unrelated " + unrelated);
    }

    /** Mean of the last hidden states over each sentence's real tokens ([CLS] text [SEP], right-padded in one batch). */
    static float[][] embed(Transformer model, Tokenizer tok, List<String> texts) {
        int cls = tok.requireSpecial(Tokenizer.CLS), sep = tok.requireSpecial(Tokenizer.SEP), pad = tok.requireSpecial(Tokenizer.PAD);
        int[][] rows = new int[texts.size()][];
        int t = 0;
        for (int i = 0; i < rows.length; i++) {
            int[] body = tok.encode(texts.get(i));
            assertTrue(body.length > 0 && java.util.Arrays.stream(body).noneMatch(id -> id == tok.specialTokens().getOrDefault(Tokenizer.UNK, -1)),
                    "'" + texts.get(i) + "' tokenized to " + java.util.Arrays.toString(body));
            rows[i] = new int[body.length + 2];
            rows[i][0] = cls;
            System.arraycopy(body, 0, rows[i], 1, body.length);
            rows[i][body.length + 1] = sep;
            t = Math.max(t, rows[i].length);
        }
        int b = rows.length, c = model.config().dModel();
        int[] ids = new int[b * t], mask = new int[b * t];
        java.util.Arrays.fill(ids, pad);
        for (int i = 0; i < b; i++)
            for (int j = 0; j < rows[i].length; j++) {
                ids[i * t + j] = rows[i][j];
                mask[i * t + j] = 1;
            }
        model.train(false);
        float[] h;
        try (var g = GradMode.noGrad()) {
            h = model.forward(ModelInput.of(new IntTensor(ids, b, t)).withAttentionMask(new IntTensor(mask, b, t))).toArray(); // [B, T, C]
        }
        float[][] out = new float[b][c];
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < rows[i].length; j++)
                for (int k = 0; k < c; k++) out[i][k] += h[(i * t + j) * c + k] / rows[i].length;
        }
        return out;
    }

    static double cosine(float[] a, float[] b) {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }
        return dot / Math.sqrt(na * nb);
    }

    /** {@code shared/models/NAME} next to the clone (an ancestor of the working directory); a skip, or a failure under CI. */
    static Path sharedModel(String name) {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path candidate = p.resolve("shared").resolve("models").resolve(name);
            if (Files.isRegularFile(candidate.resolve("config.json"))) return candidate;
        }
        String why = "shared/models/" + name + " not found next to the clone (looked in the ancestors of " + Path.of("").toAbsolutePath() + ")";
        RequiredInCi.require(false, why + " (the real pretrained model test)");
        throw new AssertionError("unreachable");
    }
}
