package dev.kiln.finetune.sft;

import dev.kiln.api.completion.PieceEncoder;
import dev.kiln.api.completion.CompletionRows;
import dev.kiln.api.completion.Message;
import dev.kiln.api.data.Batch;
import dev.kiln.api.data.Batches;
import dev.kiln.api.data.Dataset;
import dev.kiln.api.data.Example;
import dev.kiln.api.nn.ModelInput;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.objective.Accuracy;
import dev.kiln.api.objective.BatchSpec;
import dev.kiln.api.objective.ExampleBatches;
import dev.kiln.api.objective.Objective;
import dev.kiln.api.ops.Losses;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Instruction / completion tuning, the {@code sft} signal's objective for {@code task: instruction}
 * (what TRL's SFTTrainer does with prompt-completion and conversational data): next-token
 * cross-entropy through the backbone's own LM head (no head of its own), on completion tokens
 * only. Rows → text pieces ({@link CompletionRows}, chat template {@link dev.kiln.api.completion.RoleTemplate}) → tokens
 * with a trained flag and truncation ({@link PieceEncoder}) → padded or packed batches
 * ({@link InstructionBatches}), made one at a time when the trainer asks ({@link #batches}; packed
 * ones from fixed windows of examples, {@link PackedEpoch}), so an epoch over a dataset larger than
 * memory costs one batch.
 *
 * <p><b>Metrics</b>: {@code loss} (mean cross-entropy over trained target tokens), in evaluation
 * {@code token_accuracy} (argmax accuracy over the same tokens; on the host, so not in training,
 * like clm), and from {@link #finish} {@code perplexity} = exp(loss), the perplexity of the
 * completions. {@link Output#weight()} = trained target tokens, so evaluation averages are
 * token-weighted.
 *
 * <p><b>Metadata</b> ({@link #metadata()}, written to the saved model's config.json under
 * {@code objectives.sft}): {@code task}, the field names, {@code add_eos} (whether completions
 * ended with EOS) and the resolved {@code chat_template} map, all valid config keys of this
 * signal, so that section can be given back as {@code finetune.signal} config to continue with the
 * same template.
 */
public final class InstructionObjective implements Objective {
    private final InstructionSettings settings;
    private final Tokenizer tokenizer;
    private final TransformerConfig model;
    private final CompletionRows rows;
    private final PieceEncoder encoder;
    private final int pad;
    private final long packingSeed;

    /** @param packingSeed the run's seed: which examples share a packed window ({@link PackedEpoch}) */
    InstructionObjective(InstructionSettings settings, Tokenizer tokenizer, TransformerConfig model, long packingSeed) {
        this.settings = settings;
        this.tokenizer = tokenizer;
        this.model = model;
        this.rows = new CompletionRows(settings.format(), tokenizer);
        this.encoder = new PieceEncoder(tokenizer);
        this.pad = tokenizer.special(Tokenizer.PAD).orElse(0);
        this.packingSeed = packingSeed;
    }

    @Override
    public String name() { return SftFineTunerFactory.NAME; }

    public boolean packing() { return settings.packing(); }

    /** The conversation as the chat template renders it (for inspection and tests). */
    public String renderChat(Example ex, boolean addGenerationPrompt) {
        List<Message> messages = rows.messages(ex, settings.messagesField());
        if (settings.modelTemplate() != null) {
            List<Map<String, ?>> maps = new ArrayList<>();
            for (Message m : messages) maps.add(Map.of("role", m.role(), "content", m.content()));
            return settings.modelTemplate().render(maps, addGenerationPrompt);
        }
        return settings.template().render(messages, addGenerationPrompt);
    }

    @Override
    public void checkModel(TransformerConfig m) {
        if (!m.causal())
            throw new IllegalArgumentException("finetune signal 'sft' with task 'instruction' needs causal attention: set model.causal = true "
                    + "(got false; a bidirectional model sees the completion token it must predict)");
        if (m.vocab() < tokenizer.vocabSize())
            throw new IllegalArgumentException("finetune signal 'sft': model.vocab = " + m.vocab() + " is smaller than tokenizer '"
                    + tokenizer.name() + "' vocabulary of " + tokenizer.vocabSize());
    }

    /**
     * The epoch, lazily: padded, batch i is the examples at positions [iB, iB + B) of a
     * {@link dev.kiln.api.data.Permutation} seeded with {@code seed} (file order with
     * {@code shuffle: false}), each tokenized when the batch is made ({@link ExampleBatches});
     * packed, batch i is one window of examples packed into rows ({@link PackedEpoch}, where the
     * rule is). Nothing is tokenized for the whole dataset.
     */
    @Override
    public Batches batches(Dataset data, BatchSpec spec, long seed) {
        if (model != null && (model.positions().bounded()) && spec.seqLen() > model.usablePositions())
            throw new IllegalArgumentException("finetune signal 'sft': sequence length " + spec.seqLen() + " exceeds model.max_seq = " + model.maxSeq()
                    + (model.positionOffset() > 0 ? " less position_offset " + model.positionOffset() : ""));
        int seqLen = spec.seqLen();
        if (settings.packing())
            return PackedEpoch.of(data, spec.batchSize(), seqLen, pad, settings.shuffle(), packingSeed, seed, ex -> encode(ex, seqLen));
        return ExampleBatches.of(data, spec.batchSize(), settings.shuffle(), false, seed, (examples, indices, rng) -> {
            List<PieceEncoder.Encoded> encoded = new ArrayList<>(examples.size());
            for (Example ex : examples) encoded.add(encode(ex, seqLen));
            return InstructionBatches.padded(encoded, pad);
        });
    }

    /** Every example tokenized and truncated to seqLen positions (for inspection and tests; training encodes per batch). */
    List<PieceEncoder.Encoded> encode(Dataset data, int seqLen) {
        List<PieceEncoder.Encoded> out = new ArrayList<>(data.size());
        for (Example ex : data.examples()) out.add(encode(ex, seqLen));
        return out;
    }

    /** One example tokenized and truncated to seqLen positions (seqLen + 1 tokens). */
    PieceEncoder.Encoded encode(Example ex, int seqLen) {
        PieceEncoder.Encoded e = PieceEncoder.truncate(encoder.encode(rows.pieces(ex), ex.source()), seqLen + 1);
        if (e.targets() == 0)
            throw new IllegalArgumentException(ex.source() + ": nothing to train on: the first token has no context to be predicted from "
                    + "and no later token is trained (an empty prompt and a one-token completion without EOS?)");
        return e;
    }

    @Override
    public Output compute(Transformer net, Batch batch) {
        IntTensor ids = batch.ints("ids"), targets = batch.ints("targets");        // [B, L] each
        ModelInput in = ModelInput.of(ids);
        IntTensor segments = batch.intsOrNull("segments"), mask = batch.intsOrNull("attention_mask");
        if (segments != null) in = in.withSegments(segments);                      // packed: [B, L] example ids
        IntTensor positions = batch.intsOrNull("positions");
        if (positions != null) in = in.withPositions(positions);                   // packed: [B, L] restart per example
        if (mask != null) in = in.withAttentionMask(mask);                         // padded: [B, L] 1 = real
        Tensor hidden = net.forward(in);                                            // [B, L, C]
        Tensor logits = net.logits(hidden);                                         // [B, L, V]
        Tensor loss = Losses.crossEntropy(logits, targets);                         // [1] mean over trained targets
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("loss", (double) loss.item());
        if (net.isTraining()) return new Output(loss, metrics, countTargets(targets.data()));
        Accuracy.Counts acc = Accuracy.of(logits.toArray(), targets.data(), logits.dim(-1), Losses.IGNORE);
        metrics.put("token_accuracy", acc.rate());
        return new Output(loss, metrics, acc.counted());
    }

    private static long countTargets(int[] targets) {
        long n = 0;
        for (int t : targets) if (t != Losses.IGNORE) n++;
        return n;
    }

    @Override
    public Map<String, Double> finish(Map<String, Double> averaged) {
        Map<String, Double> out = new LinkedHashMap<>(averaged);
        Double loss = averaged.get("loss");
        if (loss != null) out.put("perplexity", Math.exp(loss));
        return out;
    }

    @Override
    public Map<String, Object> metadata() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("task", "instruction");
        m.put("prompt_field", settings.promptField());
        m.put("completion_field", settings.completionField());
        m.put("messages_field", settings.messagesField());
        m.put("add_eos", rows.appendsEos());
        m.put("chat_template", settings.modelTemplate() != null ? InstructionSettings.MODEL : settings.template().toMap());
        return m;
    }

    @Override
    public String toString() {
        return "sft(task=instruction, packing=" + settings.packing() + ", completion_only_loss=" + settings.completionOnlyLoss()
                + ", assistant_only_loss=" + settings.assistantOnlyLoss() + ", add_eos=" + rows.appendsEos() + ")";
    }
}
