package dev.kiln.api.objective;

import dev.kiln.api.data.Batch;
import dev.kiln.api.data.Batches;
import dev.kiln.api.data.Dataset;
import dev.kiln.api.nn.Module;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.tensor.Tensor;

import java.util.List;
import java.util.Map;

/**
 * A training signal: turns examples into batches (masking, corruption and pairing are its job),
 * owns its head parameters, and computes a differentiable loss with metrics.
 */
public interface Objective {

    /** The registered name (metrics are tagged with it; heads are saved under {@code heads.<name>.}). */
    String name();

    /** Head parameters this objective owns, or null when it only uses the backbone's LM head. */
    default Module head() { return null; }

    /**
     * Names of {@link #head()} parameters (as its {@code namedParameters()} names them) that belong to a
     * training companion, not to the model (PPO's value model, loaded from its own {@code value_model}
     * directory): trained and checkpointed with the run, but neither filled from the saved heads of
     * {@code finetune.from} nor saved with the model or its adapter (as TRL saves the policy alone).
     */
    default java.util.Set<String> companionParameters() { return java.util.Set.of(); }

    /** Rejects a backbone this objective cannot train (e.g. clm needs causal attention), naming the key. */
    default void checkModel(TransformerConfig model) {}

    /**
     * The batches of one pass over {@code data}, made on demand: batch i is built when the trainer
     * asks for it, so an epoch over a corpus larger than memory costs one batch, and a resumed run
     * starts at batch i without making the ones before. Deterministic for a seed: the trainer passes
     * a new seed per epoch, so order, masks and pairings change between epochs but runs (and resumed
     * runs) are reproducible. A {@linkplain Dataset#tokenized() prepared} dataset's documents come
     * as token ids in {@link Dataset#tokens()}. The trainer makes the next batch on a background thread
     * while {@link #compute} runs on its own, so making a batch must not share mutable state with
     * {@code compute} (one batch is made at a time).
     *
     * <p>Implement this or {@link #prepare} (small data): the default makes the whole list with
     * {@code prepare}.
     */
    default Batches batches(Dataset data, BatchSpec spec, long seed) {
        return Batches.of(prepare(data, spec, seed));
    }

    /** Every batch of one pass, made now (small data, tests); the default collects {@link #batches}. */
    default List<Batch> prepare(Dataset data, BatchSpec spec, long seed) {
        return batches(data, spec, seed).toList();
    }

    /** Forward pass and loss for one batch; in training mode when the model is. */
    Output compute(Transformer model, Batch batch);

    /**
     * What a saved model should keep about this objective besides its head tensors, as JSON-able
     * values (e.g. {@code labels}: class names by id). Written to the model's config.json under
     * {@code objectives.<name>}. Default: nothing.
     */
    default Map<String, Object> metadata() { return Map.of(); }

    /**
     * Turns metrics averaged over evaluation batches (weighted by {@link Output#weight()}) into
     * the reported ones, e.g. perplexity = exp(loss). Default: unchanged.
     */
    default Map<String, Double> finish(Map<String, Double> averaged) { return averaged; }

    /**
     * Whether this objective compares the policy with a frozen reference (DPO, KTO, GRPO with a KL
     * term). When true, the pipeline builds a {@link ReferencePolicy} after the fine-tuning method
     * has configured the model and calls {@link #useReference} before training. Default: false.
     */
    default boolean needsReference() { return false; }

    /** Receives the reference policy (once, before any batch is made); only called when {@link #needsReference()}. */
    default void useReference(ReferencePolicy reference) {
        throw new UnsupportedOperationException("objective '" + name() + "' does not use a reference policy");
    }

    /**
     * One batch's result. {@code loss} is a scalar [1] tensor; {@code metrics} are host values
     * (the loss among them, as "loss"); {@code weight} is what the batch counts for when averaging
     * (predicted tokens, examples).
     */
    record Output(Tensor loss, Map<String, Double> metrics, double weight) {}
}
