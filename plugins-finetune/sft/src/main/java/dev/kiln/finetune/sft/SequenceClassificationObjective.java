package dev.kiln.finetune.sft;

import dev.kiln.api.objective.Accuracy;
import dev.kiln.api.data.Batch;
import dev.kiln.api.data.Batches;
import dev.kiln.api.data.Dataset;
import dev.kiln.api.data.Example;
import dev.kiln.api.nn.ModelInput;
import dev.kiln.api.nn.Module;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.objective.BatchSpec;
import dev.kiln.api.objective.ExampleBatches;
import dev.kiln.api.objective.Objective;
import dev.kiln.api.ops.Losses;
import dev.kiln.api.ops.Shapes;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Sequence classification (and regression), the {@code sft} signal's objective: backbone → pooled
 * hidden state ({@link Pooling}) → {@link ClassificationHead} → cross-entropy over
 * {@code num_labels} classes, or MSE on one output for {@code task: regression}.
 *
 * <p><b>Batches</b>: one row per example ({@link SequenceEncoder} layout), shuffled with the
 * epoch seed unless {@code shuffle: false} (or grouped by length when {@code train.group_by_length}:
 * {@link dev.kiln.api.objective.LengthGroupedOrder}, which shuffles too), padded with [PAD] (id 0 if the tokenizer has none;
 * the attention mask hides it) to the batch's longest row. Keys: {@code ids},
 * {@code token_types}, {@code attention_mask} [B, L]; {@code labels} [B] (classification) or
 * float {@code targets} [B] (regression). Made lazily ({@link #batches}): a batch reads only its
 * own examples (besides {@link Labels}' one label pass per dataset when label names are not
 * configured), so an epoch over a dataset larger than memory costs one batch.
 *
 * <p><b>Metrics</b>: {@code loss}; classification adds {@code accuracy}, and in eval mode the
 * confusion cells {@code confusion.<true>.<pred>} (fractions of examples) from which
 * {@link #finish} derives {@code macro_f1}; regression's {@link #finish} adds {@code rmse}.
 * {@link Output#weight()} = examples.
 */
public final class SequenceClassificationObjective implements Objective {
    private final SftSettings settings;
    private final TransformerConfig model;
    private final ClassificationHead head;
    private final SequenceEncoder encoder;
    private final Labels labels;
    private final int pad;

    SequenceClassificationObjective(SftSettings settings, Tokenizer tokenizer, TransformerConfig model, ClassificationHead head) {
        this.settings = settings;
        this.model = model;
        this.head = head;
        this.encoder = new SequenceEncoder(tokenizer, model.typeVocab() >= 2);
        this.labels = settings.regression() ? null : new Labels(settings.numLabels(), settings.labels());
        this.pad = tokenizer.special(Tokenizer.PAD).orElse(0);
    }

    @Override
    public String name() { return SftFineTunerFactory.NAME; }

    @Override
    public Module head() { return head; }

    /** The class names by id (what a checkpoint should keep with the head); empty for regression. */
    public List<String> labelNames() { return labels == null ? List.of() : labels.names(); }

    public String pooler() { return settings.pooler(); }

    /**
     * What the saved model keeps (config.json, objectives.sft): the task, pooler, number of
     * outputs and, for classification, the label names by class id, so predictions map back to names.
     */
    @Override
    public Map<String, Object> metadata() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("task", settings.task());
        m.put("pooler", settings.pooler());
        m.put("num_labels", settings.numLabels());
        if (labels != null) m.put("labels", labels.names());
        return m;
    }

    public String task() { return settings.task(); }

    @Override
    public void checkModel(TransformerConfig m) {
        if (m.causal() && (settings.pooler().equals("first") || settings.pooler().equals("bert")))
            throw new IllegalArgumentException("finetune signal 'sft': pooler '" + settings.pooler() + "' under causal attention sees only the first token; "
                    + "use pooler: last or mean (or a bidirectional model, model.causal = false)");
        if (m.dModel() != model.dModel())
            throw new IllegalArgumentException("finetune signal 'sft': model.d_model = " + m.dModel() + " but the head was built for " + model.dModel());
    }

    /**
     * The epoch, lazily ({@link ExampleBatches}): batch i is the examples at positions
     * [iB, iB + B) of a {@link dev.kiln.api.data.Permutation} seeded with {@code seed} (file order
     * with {@code shuffle: false}), tokenized, truncated and labelled when the batch is made.
     * Label ids come from {@link Labels}, which reads a dataset's labels once, not per epoch.
     */
    @Override
    public Batches batches(Dataset data, BatchSpec spec, long seed) {
        if ((model.positions().bounded()) && spec.seqLen() > model.usablePositions())
            throw new IllegalArgumentException("finetune signal 'sft': sequence length " + spec.seqLen() + " exceeds model.max_seq = " + model.maxSeq()
                    + (model.positionOffset() > 0 ? " less position_offset " + model.positionOffset() : ""));
        List<Example> all = data.examples();
        ExampleBatches.Maker maker = (examples, indices, rng) -> {
            List<Row> rows = new ArrayList<>(examples.size());
            for (Example ex : examples) rows.add(row(ex, spec.seqLen(), all));
            return batch(rows);
        };
        if (!spec.groupByLength()) return ExampleBatches.of(data, spec.batchSize(), settings.shuffle(), false, seed, maker);
        return ExampleBatches.lengthGrouped(data, spec.batchSize(), false, seed, ex -> row(ex, spec.seqLen(), all).enc().ids().length, maker);
    }

    private record Row(SequenceEncoder.Encoded enc, int label, float target) {}

    /** One example as a row; {@code data}, the list it comes from, is where unseen label names are looked up in file order. */
    private Row row(Example ex, int seqLen, List<Example> data) {
        String pair = ex.has(settings.pairField()) ? ex.string(settings.pairField()) : null;
        SequenceEncoder.Encoded enc = encoder.encode(ex.string(settings.textField()), pair, seqLen);
        if (!settings.regression()) return new Row(enc, labels.id(ex, settings.labelField(), data), 0f);
        String raw = ex.string(settings.labelField());
        try {
            return new Row(enc, -1, Float.parseFloat(raw.trim()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(ex.source() + ": task 'regression' needs a numeric '" + settings.labelField() + "', got '" + raw + "'");
        }
    }

    private Batch batch(List<Row> chunk) {
        int b = chunk.size(), width = 1;
        for (Row r : chunk) width = Math.max(width, r.enc().ids().length);
        int[] ids = new int[b * width], types = new int[b * width], mask = new int[b * width], lab = new int[b];
        float[] targets = new float[b];
        Arrays.fill(ids, pad);
        long real = 0;
        for (int i = 0; i < b; i++) {
            Row r = chunk.get(i);
            int n = r.enc().ids().length;
            System.arraycopy(r.enc().ids(), 0, ids, i * width, n);
            System.arraycopy(r.enc().types(), 0, types, i * width, n);
            Arrays.fill(mask, i * width, i * width + n, 1);
            lab[i] = r.label();
            targets[i] = r.target();
            real += n;
        }
        Batch batch = new Batch()
                .put("ids", new IntTensor(ids, b, width))                  // [B, L] row tokens then [PAD]s
                .put("token_types", new IntTensor(types, b, width))        // [B, L] 0 for text, 1 for the pair
                .put("attention_mask", new IntTensor(mask, b, width))      // [B, L] 1 = real token
                .tokens(real);
        if (settings.regression()) batch.put("targets", targets, b);       // [B] numeric labels
        else batch.put("labels", new IntTensor(lab, b));                   // [B] class ids
        return batch;
    }

    @Override
    public Output compute(Transformer net, Batch batch) {
        IntTensor ids = batch.ints("ids"), mask = batch.ints("attention_mask");
        ModelInput in = ModelInput.of(ids).withTokenTypes(batch.ints("token_types")).withAttentionMask(mask);
        Tensor hidden = net.forward(in);                                            // [B, L, C]
        Tensor logits = head.forward(Pooling.pool(settings.pooler(), hidden, mask));  // [B, K]
        int b = ids.dim(0);
        Map<String, Double> metrics = new LinkedHashMap<>();
        if (settings.regression()) {
            Batch.FloatData t = batch.floats("targets");
            Tensor loss = Losses.mse(Shapes.reshape(logits, b), Tensor.of(logits.backend(), t.data(), b));   // [1]
            metrics.put("loss", (double) loss.item());
            return new Output(loss, metrics, b);
        }
        IntTensor target = batch.ints("labels");
        Tensor loss = Losses.crossEntropy(logits, target);                          // [1]
        int k = labels.size();
        int[] pred = Accuracy.argmax(logits.toArray(), b, k);
        int correct = 0;
        for (int r = 0; r < b; r++) if (pred[r] == target.get(r)) correct++;
        metrics.put("loss", (double) loss.item());
        metrics.put("accuracy", (double) correct / b);
        if (!net.isTraining()) ClassificationMetrics.confusion(metrics, labels, target.data(), pred);
        return new Output(loss, metrics, b);
    }

    @Override
    public Map<String, Double> finish(Map<String, Double> averaged) {
        if (labels != null) return ClassificationMetrics.finish(averaged, labels);
        Map<String, Double> out = new LinkedHashMap<>(averaged);
        Double mse = averaged.get("loss");
        if (mse != null) out.put("rmse", Math.sqrt(mse));
        return out;
    }
}
