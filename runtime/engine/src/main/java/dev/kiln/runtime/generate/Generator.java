package dev.kiln.runtime.generate;

import dev.kiln.api.autograd.GradMode;
import dev.kiln.api.nn.KVCache;
import dev.kiln.api.nn.ModelInput;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.ops.Shapes;
import dev.kiln.api.sampling.TokenSampler;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tokenizer.Tokenizer;

import java.util.Arrays;
import java.util.OptionalInt;
import java.util.function.Consumer;
import java.util.function.IntPredicate;

/**
 * Autoregressive text generation from a causal {@link Transformer}, KV-cached: the prompt goes
 * through the model once (filling a {@link KVCache}), then each new token costs one one-token
 * forward pass. Runs under {@link GradMode#noGrad()} with the model in eval mode (restored after).
 *
 * <p><b>Long contexts.</b> Positions cannot exceed the model's {@code max_seq}. When the next
 * forward pass would go past it, the context <em>slides</em>: the cache is dropped and the most
 * recent {@code 3/4 · max_seq} tokens are run through the model again as a new prompt (so a
 * re-fill happens at most once every {@code max_seq / 4} tokens, and each token still sees at least
 * 3/4 of a window of context). A prompt longer than {@code max_seq} is cut the same way, keeping its
 * end. {@link Generation#contextSlides()} counts the slides.
 *
 * <p>Only ids the tokenizer knows are sampled (a model's vocabulary may be padded past the
 * tokenizer's).
 *
 * <p>{@code useCache(false)} recomputes the whole context every step instead: slow, and meant as
 * the reference the cached path is tested against.
 */
public final class Generator {
    private final Transformer model;
    private final Tokenizer tokenizer;
    private boolean useCache = true;
    private int[] eosIds;

    /** @param tokenizer may be null for {@link #generateIds} only */
    public Generator(Transformer model, Tokenizer tokenizer) {
        this.model = model;
        this.tokenizer = tokenizer;
        if (!model.config().causal())
            throw new IllegalArgumentException("generate: the model is bidirectional (causal: false); only a causal"
                    + " language model can generate text");
    }

    /** Whether to keep a KV cache (default true). */
    public Generator useCache(boolean on) {
        this.useCache = on;
        return this;
    }

    /**
     * Stops {@link #generate} at any of these ids (generation_config.json's {@code eos_token_id} may
     * list several) instead of the tokenizer's {@code <|endoftext|>}; empty never stops at a token.
     */
    public Generator stopAt(int... ids) {
        this.eosIds = ids.clone();
        return this;
    }

    /**
     * Generates a continuation of {@code prompt}, handing each newly final piece of text to
     * {@code onText} as soon as it is decoded (UTF-8 safe, stop strings held back and cut).
     * Stops at the tokenizer's EOS (or the {@link #stopAt} ids), a stop string, or max_new_tokens.
     */
    public Generation generate(String prompt, SamplingSettings settings, Consumer<String> onText) {
        if (tokenizer == null) throw new IllegalStateException("generate(String): this Generator has no tokenizer");
        int[] ids = tokenizer.encode(prompt);
        if (ids.length == 0) {
            OptionalInt eos = tokenizer.special(Tokenizer.EOS);
            if (eos.isEmpty()) throw new IllegalArgumentException("generate: the prompt is empty and the tokenizer '"
                    + tokenizer.name() + "' has no " + Tokenizer.EOS + " token to start from");
            ids = new int[] {eos.getAsInt()};
        }
        return generate(ids, settings, onText);
    }

    /**
     * As {@link #generate(String, SamplingSettings, Consumer)}, from prompt ids (e.g. a rendered chat
     * with its special tokens, {@link dev.kiln.runtime.chat.ChatEncoding}).
     */
    public Generation generate(int[] prompt, SamplingSettings settings, Consumer<String> onText) {
        if (tokenizer == null) throw new IllegalStateException("generate: this Generator has no tokenizer");
        if (prompt.length == 0) throw new IllegalArgumentException("generate: the prompt has no tokens");
        TextStream stream = new TextStream(tokenizer, settings.stop(), onText);
        int[] stops = eosIds != null ? eosIds : tokenizer.special(Tokenizer.EOS).stream().toArray();
        Generation g = run(prompt, settings, stream::add, stops);
        stream.flush();
        Generation.StopReason reason = stream.stopped() ? Generation.StopReason.STOP_STRING : g.reason();
        return new Generation(stream.text(), g.tokens(), g.promptTokens(), reason, g.contextSlides(), g.seconds());
    }

    /**
     * Generates ids only. {@code onToken} sees each new id and returns true to stop after it
     * (reason CALLBACK); null never stops. Stops at {@code eos} (unless negative) or max_new_tokens.
     */
    public Generation generateIds(int[] prompt, SamplingSettings settings, IntPredicate onToken, int eos) {
        if (prompt.length == 0) throw new IllegalArgumentException("generate: the prompt has no tokens");
        return run(prompt, settings, onToken, eos < 0 ? new int[0] : new int[] {eos});
    }

    private Generation run(int[] prompt, SamplingSettings settings, IntPredicate onToken, int[] eos) {
        long t0 = System.nanoTime();
        int vocab = model.config().vocab();
        // the positions the model can embed (max_seq less RoBERTa's position_offset); a soft prompt takes positions
        // too, and so does a key/value prefix
        int maxSeq = model.config().usablePositions() - (model.softPrompt() == null ? 0 : model.softPrompt().tokens())
                - model.prefixTokens();
        for (int i = 0; i < prompt.length; i++)
            if (prompt[i] < 0 || prompt[i] >= vocab)
                throw new IllegalArgumentException("generate: prompt token " + prompt[i] + " at position " + i
                        + " is outside the model's vocabulary of " + vocab);
        int keep = Math.max(1, maxSeq * 3 / 4);
        int limit = tokenizer == null ? vocab : Math.min(vocab, tokenizer.vocabSize());
        int[] context = Arrays.copyOf(prompt, prompt.length + settings.maxNewTokens());
        int length = prompt.length;
        int[] generated = new int[settings.maxNewTokens()];
        int produced = 0, slides = 0;
        Generation.StopReason reason = Generation.StopReason.MAX_TOKENS;
        TokenSampler sampler = settings.sampler();
        KVCache cache = useCache ? new KVCache(model.config().layers()) : null;
        boolean wasTraining = model.isTraining();
        model.train(false);
        try (var g = GradMode.noGrad()) {
            int window = 0, fed = 0; // the model sees context[window, length); context[window, fed) is in the cache
            while (produced < settings.maxNewTokens()) {
                if (length - window > maxSeq) { // slide: restart from the most recent tokens
                    window = length - keep;
                    slides++;
                    if (cache != null) {
                        cache.clear();
                        fed = window;
                    }
                }
                int from = cache == null ? window : fed;
                float[] logits = lastLogits(Arrays.copyOfRange(context, from, length), cache);
                if (logits.length > limit) logits = Arrays.copyOf(logits, limit); // ids the tokenizer can decode
                fed = length;
                int next = sampler.next(logits, context, length);
                if (contains(eos, next)) {
                    reason = Generation.StopReason.EOS;
                    break;
                }
                context[length++] = next;
                generated[produced++] = next;
                if (onToken != null && onToken.test(next)) {
                    reason = Generation.StopReason.CALLBACK;
                    break;
                }
            }
        } finally {
            model.train(wasTraining);
        }
        return new Generation("", Arrays.copyOf(generated, produced), prompt.length, reason, slides,
                (System.nanoTime() - t0) / 1e9);
    }

    /** Runs ids [1, t] through the model (appending to the cache when there is one) and returns the last row of logits [V]. */
    private float[] lastLogits(int[] ids, KVCache cache) {
        ModelInput in = ModelInput.of(new IntTensor(ids, 1, ids.length));
        if (cache != null) in = in.withCache(cache);
        Tensor hidden = model.forward(in);                                  // [1, t, C]
        Tensor last = Shapes.slice(hidden, 1, ids.length - 1, ids.length);  // [1, 1, C]
        return model.logits(last).toArray();                                // [1, 1, V]
    }

    private static boolean contains(int[] ids, int id) {
        for (int i : ids) if (i == id) return true;
        return false;
    }
}
