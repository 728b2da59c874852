package dev.kiln.finetune.sft;

import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.testing.TestTokenizers;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** {@code pooler: bert} is BertForSequenceClassification's head: [CLS] → dense → tanh → classifier. */
class BertPoolerTest {
    private final NaiveBackend be = new NaiveBackend();

    @Test
    void theHeadHasBertsPoolerAndComputesClsDenseTanhClassifier() {
        SequenceClassificationObjective o = SftTest.sft(Map.of("pooler", "bert", "num_labels", 3), SftTest.BERT, TestTokenizers.bytes());
        Map<String, Tensor> p = o.head().namedParameters();
        assertEquals(List.of("pooler.weight", "pooler.bias", "classifier.weight", "classifier.bias"), List.copyOf(p.keySet()));
        assertArrayEquals(new int[] {16, 16}, p.get("pooler.weight").dims());
        assertEquals("bert", o.metadata().get("pooler"));

        int c = 16;
        Random r = new Random(4);
        float[] h = new float[2 * 3 * c];
        for (int i = 0; i < h.length; i++) h[i] = (float) r.nextGaussian();
        Tensor hidden = Tensor.of(be, h, 2, 3, c);                                        // [B=2, T=3, C]
        IntTensor mask = new IntTensor(new int[] {1, 1, 0, 1, 1, 1}, 2, 3);
        Tensor pooled = Pooling.pool("bert", hidden, mask);                               // [2, C]: the first tokens
        float[] logits = ((ClassificationHead) o.head()).forward(pooled).toArray();      // [2, 3]
        float[] pw = p.get("pooler.weight").toArray(), pb = p.get("pooler.bias").toArray();
        float[] cw = p.get("classifier.weight").toArray(), cb = p.get("classifier.bias").toArray();
        for (int row = 0; row < 2; row++) {
            float[] dense = new float[c];
            for (int o2 = 0; o2 < c; o2++) {
                double s = pb[o2];
                for (int i = 0; i < c; i++) s += pw[o2 * c + i] * h[row * 3 * c + i];
                dense[o2] = (float) Math.tanh(s);
            }
            for (int k = 0; k < 3; k++) {
                double s = cb[k];
                for (int i = 0; i < c; i++) s += cw[k * c + i] * dense[i];
                assertEquals(s, logits[row * 3 + k], 1e-5, "row " + row + " label " + k);
            }
        }
    }

    @Test
    void theOtherPoolersKeepAClassifierAloneAndBertIsRejectedOnACausalModel() {
        SequenceClassificationObjective mean = SftTest.sft(Map.of(), SftTest.BERT, TestTokenizers.bytes());
        assertEquals(List.of("classifier.weight", "classifier.bias"), List.copyOf(mean.head().namedParameters().keySet()));
        TransformerConfig gpt = TransformerConfig.gpt2(TestTokenizers.BYTE_VOCAB, 16, 1, 2, 16);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SftTest.sft(Map.of("pooler", "bert"), gpt, TestTokenizers.bytes()).checkModel(gpt));
        assertTrue(e.getMessage().contains("pooler 'bert'"), e.getMessage());
    }
}
