package dev.kiln.api.nn;

import dev.kiln.api.autograd.Checkpoint;
import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.CounterRng;
import dev.kiln.api.ops.Arithmetic;
import dev.kiln.api.ops.Embedding;
import dev.kiln.api.ops.MatMul;
import dev.kiln.api.ops.Regularization;
import dev.kiln.api.ops.Shapes;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.tensor.ScratchScope;
import dev.kiln.api.tensor.Tensor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * The backbone: embeddings → N blocks → optional final norm, plus the language-model head
 * (tied to the token embeddings or its own matrix). Objectives put their own heads on top of
 * {@link #forward}'s hidden states. Parameter names: {@code embed.tokens.weight},
 * {@code embed.positions.weight}, {@code embed.types.weight}, {@code embed.norm.*},
 * {@code blocks.N.*}, {@code norm_f.*}, {@code lm_head.weight}.
 */
public final class Transformer extends Module {
    private TransformerConfig cfg;
    private final Backend backend;
    private final Tensor tokens, positions, types;
    private final Norm embedNorm, finalNorm;
    private final List<Block> blocks = new ArrayList<>();
    private final Tensor lmHead;
    private final Tensor sinusoid;
    private SoftPrompt softPrompt;
    private final Group tokensGroup;
    private final List<TokenEmbeddingAdapter> tokenAdapters = new ArrayList<>();
    private long dropoutSeed = 1;
    private long dropoutCalls;
    private boolean gradientCheckpointing;
    private boolean adaptersDisabled;

    public Transformer(Backend be, TransformerConfig cfg, long seed) {
        this(be, cfg, seed, block -> {});
    }

    /**
     * As {@link #Transformer(Backend, TransformerConfig, long)} (the same weights), with {@code eachBlock}
     * called on each block as soon as it is initialized, before the next one exists: e.g. to freeze it and
     * store its linears compressed ({@link Linear#quantize}, {@link Linear#storeBf16}), so the float weights
     * of all blocks are never held at once. It must not draw from anything the constructor uses.
     */
    public Transformer(Backend be, TransformerConfig cfg, long seed, java.util.function.Consumer<Block> eachBlock) {
        this.cfg = cfg;
        this.backend = be;
        Random rng = new Random(seed);
        Module embed = register("embed", new Group());
        boolean rms = cfg.norm() == ModelKinds.NormKind.RMSNORM;
        tokensGroup = ((Group) embed).child("tokens", new Group());
        tokens = tokensGroup.add("weight", Init.normal(be, rng, cfg.initStd(), cfg.vocab(), cfg.dModel()));
        positions = cfg.positions() == ModelKinds.Positions.LEARNED
                ? ((Group) embed).child("positions", new Group()).add("weight", Init.normal(be, rng, cfg.initStd() / 2, cfg.maxSeq(), cfg.dModel())) : null;
        types = cfg.typeVocab() > 0
                ? ((Group) embed).child("types", new Group()).add("weight", Init.normal(be, rng, cfg.initStd(), cfg.typeVocab(), cfg.dModel())) : null;
        embedNorm = cfg.embedNorm() ? ((Group) embed).child("norm", new Norm(be, cfg.dModel(), rms, cfg.normEps())) : null;
        Module stack = register("blocks", new Group());
        for (int i = 0; i < cfg.layers(); i++) {
            Block block = ((Group) stack).child(Integer.toString(i), new Block(be, rng, cfg));
            blocks.add(block);
            eachBlock.accept(block);
        }
        finalNorm = cfg.finalNorm() ? register("norm_f", new Norm(be, cfg.dModel(), rms, cfg.normEps())) : null;
        lmHead = cfg.tieEmbeddings() ? null : register("lm_head", new Group()).add("weight",
                Init.normal(be, rng, cfg.initStd(), cfg.vocab(), cfg.dModel()));
        sinusoid = cfg.positions() == ModelKinds.Positions.SINUSOIDAL ? sinusoidTable(be, cfg.maxSeq(), cfg.dModel()) : null;
    }

    public TransformerConfig config() { return cfg; }

    public Backend backend() { return backend; }

    public List<Block> blocks() { return Collections.unmodifiableList(blocks); }

    /**
     * Changes the dropout rate of the embeddings and every block's residual branches (a fine-tune's
     * {@code model.dropout}, e.g. 0 as TRL's {@code disable_dropout}); {@link #config()} reports it.
     */
    public void setDropout(float p) {
        cfg = cfg.withDropout(p);
        for (Block b : blocks) b.setDropout(p);
    }

    /** Seeds this step's dropout masks (the trainer sets it from its RNG so runs are reproducible). */
    public void setDropoutSeed(long seed) {
        this.dropoutSeed = seed;
        this.dropoutCalls = 0;
    }

    /** Token embeddings only: ids [B, T] → [B, T, C] (for building mixed inputs). */
    public Tensor embedTokens(IntTensor ids) {
        Tensor x = Embedding.lookup(tokens, ids);
        if (!adaptersDisabled) for (TokenEmbeddingAdapter a : tokenAdapters) if (a.active()) x = a.apply(ids, x);
        return x;
    }

    /** Attaches an adapter to the token embeddings as {@code embed.tokens.<name>}. */
    public void addTokenAdapter(String name, TokenEmbeddingAdapter adapter) {
        tokensGroup.child(name, adapter);
        tokenAdapters.add(adapter);
    }

    /** Detaches a token-embedding adapter (after merging it into the embeddings, or to drop it). */
    public TokenEmbeddingAdapter removeTokenAdapter(String name) {
        if (!(tokensGroup.children().get(name) instanceof TokenEmbeddingAdapter a))
            throw new IllegalArgumentException("token embeddings have no adapter '" + name + "' (have: " + tokensGroup.children().keySet() + ")");
        tokensGroup.drop(name);
        tokenAdapters.remove(a);
        return a;
    }

    public List<TokenEmbeddingAdapter> tokenAdapters() { return Collections.unmodifiableList(tokenAdapters); }

    /** Hidden states [B, T, C] after the last block (and final norm when configured). */
    public Tensor forward(ModelInput in) {
        int b = in.batch(), t = in.length();
        KVCache cache = in.cache();
        Tensor given = in.embeddings();
        // Real tokens come after a key/value prefix's virtual tokens, as in transformers + PEFT, where the
        // prefix is past_key_values and positions start at its length (learned, sinusoidal and rotary alike).
        int prefix = adaptersDisabled ? 0 : prefixTokens();
        SoftPrompt softPrompt = adaptersDisabled ? null : this.softPrompt;
        int offset = cache == null ? 0 : cache.length();
        int usable = cfg.usablePositions();
        if ((positions != null || sinusoid != null) && prefix + offset + t > usable)
            throw new IllegalArgumentException("sequence of " + (offset + t) + " tokens" + (prefix > 0 ? " after a prefix of " + prefix : "")
                    + " exceeds " + usableNote());
        // With frozen embeddings (LoRA, a head alone) or under no-grad what they compute is off the tape: its
        // intermediates go back to the backend once the stretch is done, as do those of each such block below.
        ScratchScope scratch = frozenStretch(cache);
        Embedded e = null;
        try {
            e = embed(in, b, t, prefix, offset, softPrompt);
        } finally {
            if (scratch != null) scratch.closeKeeping(e == null ? null : e.x());
        }
        Tensor x = e.x();
        in = e.in();
        t = e.t();
        int virtual = e.virtual();
        long seed = nextSeed();
        if (isTraining()) x = Regularization.dropout(x, cfg.dropout(), seed);
        boolean offTape = false;                   // x, the last block's output, was made off the tape by this forward
        for (int i = 0; i < blocks.size(); i++) {
            ScratchScope blockScratch = x.requiresGrad() ? null : frozenStretch(cache);
            Tensor out = null;
            try {
                out = block(i, x, in, prefix + offset, seed + 16L * (i + 1));
            } finally {
                if (blockScratch != null) blockScratch.closeKeeping(out);
            }
            // a block's input that it read off the tape (no-grad, or both frozen) is read by no one now, unless it is
            // the caller's own embeddings
            offTape = blockScratch != null && !out.requiresGrad();
            if (offTape && x != given) x.releaseStorage();
            x = out;
        }
        if (cache != null) cache.advance(t);
        if (virtual > 0) x = Shapes.slice(x, 1, virtual, t);                 // the real tokens' states: [B, T, C]
        if (finalNorm == null) return x;
        Tensor normed = finalNorm.forward(x);
        if (offTape && !normed.requiresGrad()) x.releaseStorage();         // a slice's (a view's) storage stays
        return normed;
    }

    /** The input embeddings after the input's ids and positions: [B, T, C], T counting soft-prompt tokens. */
    private record Embedded(Tensor x, ModelInput in, int t, int virtual) {}

    /** Token (or given) embeddings, soft prompt, positions, token types and the embedding norm. */
    private Embedded embed(ModelInput in, int b, int t, int prefix, int offset, SoftPrompt softPrompt) {
        int usable = cfg.usablePositions();
        Tensor x = in.embeddings() != null ? in.embeddings() : embedTokens(in.ids());
        if (x.dim(-1) != cfg.dModel()) throw new IllegalArgumentException("embeddings " + x.shape() + " do not have width " + cfg.dModel());
        int virtual = softPrompt != null && offset == 0 ? softPrompt.tokens() : 0;
        if (virtual > 0) {
            x = Shapes.concat(1, List.of(softPrompt.expand(b), x));          // [B, N + T, C]
            in = withVirtualTokens(in, virtual);
            t += virtual;
            if ((positions != null || sinusoid != null) && t > usable)
                throw new IllegalArgumentException("sequence of " + (t - virtual) + " tokens plus " + virtual + " soft-prompt tokens exceeds " + usableNote());
        } else if (softPrompt != null && in.attentionMask() != null && in.attentionMask().dim(1) == offset + t - softPrompt.tokens()) {
            in = in.withAttentionMask(prepend(in.attentionMask(), softPrompt.tokens(), 1));  // the prompt is cached; the caller's mask covers its own tokens
        }
        if (positions != null || sinusoid != null) {
            // Position p reads table row position_offset + p (RoBERTa: padding_idx + 1 = 2). HF RoBERTa counts p over
            // the non-padding tokens only (create_position_ids_from_input_ids); with right padding, which Kiln uses,
            // that is the same row for every real token (the padded ones are masked out anyway).
            Tensor table = positions != null ? positions : sinusoid;
            if (in.positions() != null) {
                x = Arithmetic.add(x, Embedding.lookup(table, checkedPositions(in.positions(), b, t, virtual)));   // [B, T, C]
            } else {
                int[] pos = new int[t];
                for (int i = 0; i < t; i++) pos[i] = cfg.positionOffset() + prefix + offset + i;
                x = Arithmetic.add(x, Embedding.lookup(table, new IntTensor(pos, 1, t)));     // [B, T, C] + [1, T, C]
            }
        }
        if (types != null) {
            IntTensor tt = in.tokenTypes() != null ? in.tokenTypes() : new IntTensor(new int[b * t], b, t);
            x = Arithmetic.add(x, Embedding.lookup(types, tt));
        }
        if (embedNorm != null) x = embedNorm.forward(x);
        return new Embedded(x, in, t, virtual);
    }

    /**
     * Attaches (once) N learned virtual tokens in front of every input, registered as
     * {@code embed.prompt.weight} [N, C]. With a KV cache they enter on the first call only; a later
     * call's attention mask may cover the cached prompt or only the caller's own tokens.
     */
    public SoftPrompt attachSoftPrompt(int tokens) {
        if (softPrompt != null) throw new IllegalStateException("the model already has a soft prompt of " + softPrompt.tokens() + " tokens");
        softPrompt = ((Group) children().get("embed")).child("prompt", new SoftPrompt(backend, tokens, cfg.dModel()));
        return softPrompt;
    }

    /** The attached soft prompt, or null. */
    public SoftPrompt softPrompt() { return softPrompt; }

    /** Attaches a key/value prefix of the given length to every block's self-attention. */
    public void attachPrefix(int tokens) {
        for (Block blk : blocks) blk.attention().attachPrefix(tokens);
    }

    /** The key/value prefix length of the blocks (0 when none is attached). */
    public int prefixTokens() {
        KeyValuePrefix p = blocks.isEmpty() ? null : blocks.get(0).attention().prefix();
        return p == null ? 0 : p.tokens();
    }

    /**
     * PEFT's {@code disable_adapter()}: until the returned scope closes, the model computes as its
     * base, with every adapter off (each {@link Linear.LinearAdapter}, every
     * {@link TokenEmbeddingAdapter}, the soft prompt and the key/value prefix), nothing detached or
     * copied. A preference signal's reference policy is this scope over the policy being trained.
     * Closing restores exactly the previous state (scopes nest).
     */
    public AdapterScope disableAdapters() {
        boolean self = adaptersDisabled;
        adaptersDisabled = true;
        java.util.Map<Linear, Boolean> linears = new java.util.IdentityHashMap<>();
        java.util.Map<SelfAttention, Boolean> attentions = new java.util.IdentityHashMap<>();
        for (Module m : namedModules().values()) {
            if (m instanceof Linear l) linears.put(l, l.disableAdapters(true));
            if (m instanceof SelfAttention a) attentions.put(a, a.disablePrefix(true));
        }
        return () -> {
            linears.forEach(Linear::disableAdapters);
            attentions.forEach(SelfAttention::disablePrefix);
            adaptersDisabled = self;
        };
    }

    /** Whether anything {@link #disableAdapters} turns off is attached and on: an adapter, a soft prompt or a prefix. */
    public boolean hasAdapters() {
        if (adaptersDisabled) return false;
        if (softPrompt != null || prefixTokens() > 0) return true;
        for (TokenEmbeddingAdapter a : tokenAdapters) if (a.active()) return true;
        for (Module m : namedModules().values())
            if (m instanceof Linear l) for (Linear.LinearAdapter a : l.adapters()) if (a.active()) return true;
        return false;
    }

    /** The scope of {@link #disableAdapters}: closing it turns the adapters back on. */
    public interface AdapterScope extends AutoCloseable {
        @Override
        void close();
    }

    /** Explicit positions [B, T], each in [0, usable positions) → table rows [B, T] (shifted by position_offset). */
    private IntTensor checkedPositions(IntTensor pos, int b, int t, int virtual) {
        if (virtual > 0) throw new IllegalArgumentException("explicit positions cannot be combined with a soft prompt");
        if (pos.dim(0) != b || pos.dim(1) != t || pos.size() != b * t)
            throw new IllegalArgumentException("positions " + pos.shape() + " must be [" + b + ", " + t + "]");
        int usable = cfg.usablePositions(), shift = cfg.positionOffset();
        for (int p : pos.data())
            if (p < 0 || p >= usable) throw new IllegalArgumentException("position " + p + " is outside [0, " + usableNote() + ")");
        if (shift == 0) return pos;
        int[] rows = pos.data().clone();
        for (int i = 0; i < rows.length; i++) rows[i] += shift;
        return new IntTensor(rows, b, t);
    }

    private String usableNote() {
        return cfg.positionOffset() == 0 ? "max_seq " + cfg.maxSeq()
                : "the " + cfg.usablePositions() + " usable positions (max_seq " + cfg.maxSeq() + " − position_offset " + cfg.positionOffset() + ")";
    }

    /** The masks of an input with N virtual tokens in front: visible, token type 0. */
    private static ModelInput withVirtualTokens(ModelInput in, int n) {
        if (in.segments() != null)
            throw new IllegalArgumentException("prompt tuning does not support packed sequences (segment ids): every packed example would need its own prompt");
        ModelInput out = in;
        if (in.attentionMask() != null) out = out.withAttentionMask(prepend(in.attentionMask(), n, 1));
        if (in.tokenTypes() != null) out = out.withTokenTypes(prepend(in.tokenTypes(), n, 0));
        return out;
    }

    /** [B, T] → [B, n + T] with value in the new columns. */
    private static IntTensor prepend(IntTensor m, int n, int value) {
        int b = m.dim(0), t = m.dim(1);
        int[] out = new int[b * (n + t)];
        for (int i = 0; i < b; i++) {
            java.util.Arrays.fill(out, i * (n + t), i * (n + t) + n, value);
            System.arraycopy(m.data(), i * t, out, i * (n + t) + n, t);
        }
        return new IntTensor(out, b, n + t);
    }

    /** Next-token logits: hidden [..., C] → [..., V]. */
    public Tensor logits(Tensor hidden) {
        return MatMul.matmul(hidden, lmHeadWeight(), false, true);
    }

    /** The output projection [V, C]: the token embeddings when tied. */
    public Tensor lmHeadWeight() {
        return lmHead != null ? lmHead : tokens;
    }

    public Tensor tokenEmbeddings() { return tokens; }

    /**
     * Gradient checkpointing (transformers' gradient_checkpointing_enable): in training, each block
     * keeps only its input on the tape and recomputes its activations in backward.
     */
    public void setGradientCheckpointing(boolean on) { this.gradientCheckpointing = on; }

    public boolean gradientCheckpointing() { return gradientCheckpointing; }

    /**
     * A scope for a stretch of a forward with no KV cache (whose entries may be the stretch's results), else null:
     * in a training forward it releases what frozen weights alone computed; under no-grad, every intermediate.
     */
    private static ScratchScope frozenStretch(KVCache cache) {
        return cache == null ? ScratchScope.open() : null;
    }

    /** Block i on x [B, T, C] → [B, T, C], through a {@link Checkpoint} when checkpointing applies (training, no KV cache). */
    private Tensor block(int i, Tensor x, ModelInput in, int posOffset, long seed) {
        Block blk = blocks.get(i);
        if (!gradientCheckpointing || !isTraining() || in.cache() != null) return blk.forward(x, in, i, posOffset, seed);
        return Checkpoint.apply(a -> blk.forward(a[0], a[1] == null ? in : in.withEncoder(a[1], in.encoderMask()), i, posOffset, seed),
                new Tensor[] {x, in.encoderStates()}, blk.parameters());
    }

    private long nextSeed() {
        return CounterRng.mix(dropoutSeed * 31 + dropoutCalls++);
    }

    private static Tensor sinusoidTable(Backend be, int seq, int dim) {
        float[] v = new float[seq * dim];
        for (int p = 0; p < seq; p++)
            for (int i = 0; i < dim / 2; i++) {
                double angle = p / Math.pow(10000, 2.0 * i / dim);
                v[p * dim + 2 * i] = (float) Math.sin(angle);
                v[p * dim + 2 * i + 1] = (float) Math.cos(angle);
            }
        return Tensor.of(be, v, seq, dim);
    }

    /** A named container for parameters and children (embed, blocks, lm_head). */
    public static final class Group extends Module {
        public Tensor add(String name, Tensor t) { return register(name, t); }

        public <M extends Module> M child(String name, M m) { return register(name, m); }

        Module drop(String name) { return unregister(name); }
    }
}
