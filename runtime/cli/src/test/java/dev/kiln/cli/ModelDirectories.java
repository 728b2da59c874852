package dev.kiln.cli;

import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.io.Json;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tokenizer.Tokenizer;
import dev.kiln.runtime.hf.HfCheckpoints;
import dev.kiln.runtime.hf.HfExport;
import dev.kiln.runtime.io.JsonValues;
import dev.kiln.runtime.tokenizer.TokenizerSpec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Tiny model directories, training data and configs for the CLI tests that train (plugins from target/test-plugins). */
final class ModelDirectories {
    static final Path PLUGINS = Path.of("target/test-plugins");
    static final NaiveBackend BACKEND = new NaiveBackend();
    static final Tokenizer BYTES = TokenizerSpec.standard().create("byte");

    private ModelDirectories() {}

    /** A random GPT-2 saved as a Hugging Face GPT2LMHeadModel, with the byte tokenizer's tokenizer.json. */
    static Path hfGpt2(Path dir) throws IOException {
        return saveGpt2(gpt2(21), dir);
    }

    /**
     * {@link #hfGpt2} with its token embeddings, which GPT-2's LM head shares, all zero: every logit is 0, so every
     * next token has probability 1 / V whatever the context.
     */
    static Path uniformGpt2(Path dir) throws IOException {
        Transformer model = gpt2(23);
        Tensor wte = model.tokenEmbeddings();
        BACKEND.fill(wte.storage(), 0, wte.shape().size(), 0f);
        return saveGpt2(model, dir);
    }

    private static Transformer gpt2(long seed) {
        return new Transformer(BACKEND, TransformerConfig.gpt2(BYTES.vocabSize(), 32, 2, 4, 64), seed);
    }

    private static Path saveGpt2(Transformer model, Path dir) throws IOException {
        HfCheckpoints.save(model, dir, "GPT2LMHeadModel");
        TokenizerSpec.standard().save(BYTES, dir);
        return dir;
    }

    /** The chat template of {@link #chatModel}: turns as {@code [CLS]ROLE: CONTENT[SEP]}, [SEP] its eos_token. */
    static final String CHAT_TEMPLATE = "{{ bos_token }}{% for m in messages %}{{ '[CLS]' + m['role'] + ': ' + m['content'] | trim + '[SEP]' }}"
            + "{% endfor %}{% if add_generation_prompt %}{{ '[CLS]assistant: ' }}{% endif %}";

    /** {@link #hfGpt2} with a tokenizer_config.json holding {@link #CHAT_TEMPLATE} (bos_token &lt;|endoftext|&gt;, eos_token [SEP]). */
    static Path chatModel(Path dir) throws IOException {
        hfGpt2(dir);
        Files.writeString(dir.resolve("tokenizer_config.json"), Json.pretty(Map.of("bos_token", Tokenizer.EOS, "eos_token", Tokenizer.SEP,
                "chat_template", CHAT_TEMPLATE)) + "\n");
        return dir;
    }

    /** A random BERT saved as a Hugging Face BertModel with its pooler, or as BertForSequenceClassification labelled neg / pos. */
    static Path hfBert(Path dir, boolean classifier) throws IOException {
        Transformer model = new Transformer(BACKEND, TransformerConfig.bert(BYTES.vocabSize(), 32, 1, 4, 64), 22);
        Random r = new Random(5);
        Map<String, Tensor> pooler = Map.of("nsp.pooler.weight", random(r, 32, 32), "nsp.pooler.bias", random(r, 32));
        if (!classifier) {
            HfCheckpoints.save(model, pooler, dir, "BertModel");
            TokenizerSpec.standard().save(BYTES, dir);
            return dir;
        }
        Map<String, Tensor> heads = Map.of("sft.pooler.weight", pooler.get("nsp.pooler.weight"), "sft.pooler.bias", pooler.get("nsp.pooler.bias"),
                "sft.classifier.weight", random(r, 2, 32), "sft.classifier.bias", random(r, 2));
        HfExport.write(model, heads, Map.of("task", "classification", "labels", List.of("neg", "pos")), BYTES, null, dir,
                HfExport.Options.defaults());
        return dir;
    }

    /** Short stories, one document per paragraph. */
    static Path text(Path file) throws IOException {
        StringBuilder sb = new StringBuilder();
        String[] words = {"the", "cat", "sat", "on", "a", "mat", "and", "dog", "ran", "far"};
        Random r = new Random(3);
        for (int d = 0; d < 40; d++) {
            for (int w = 0; w < 12; w++) sb.append(words[r.nextInt(words.length)]).append(w == 11 ? ".\n" : " ");
            sb.append("\n\n");
        }
        Files.writeString(file, sb.toString());
        return file;
    }

    /** Sentences labelled by whether they say "good". */
    static Path sentiment(Path file) throws IOException {
        StringBuilder sb = new StringBuilder("sentence\tlabel\n");
        Random r = new Random(4);
        for (int i = 0; i < 40; i++) {
            boolean pos = r.nextBoolean();
            sb.append(pos ? "a good film" : "a bad film").append(i % 3 == 0 ? " indeed" : "").append('\t').append(pos ? "pos" : "neg").append('\n');
        }
        Files.writeString(file, sb.toString());
        return file;
    }

    static Path config(Path file, Map<String, Object> config) throws IOException {
        Files.writeString(file, Json.write(config));
        return file;
    }

    static Map<String, Object> train(int steps) {
        return Map.of("steps", steps, "batch_size", 4, "seq_len", 32, "lr", 0.001, "warmup", 0, "eval_every", steps,
                "checkpoint_every", 0, "log_every", 1, "eval_batches", 0);
    }

    /** A JSON file's object as a mutable map, whole numbers as {@code Integer} where they fit. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> json(Path file) throws IOException {
        Object v = Json.read(file);
        if (!(v instanceof Map<?, ?>)) throw new IOException(file + ": expected a JSON object");
        return (Map<String, Object>) JsonValues.plain(v);
    }

    /** The evaluation records of a run's metrics.jsonl, in order, each a mutable map. */
    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> evalRecords(Path runDir) throws IOException {
        List<Map<String, Object>> out = new ArrayList<>();
        Path file = runDir.resolve("metrics.jsonl");
        for (String line : Files.readAllLines(file))
            if (line.contains("\"type\":\"eval\"")) out.add((Map<String, Object>) JsonValues.plain(Json.parse(line, file.toString())));
        return out;
    }

    @SuppressWarnings("unchecked")
    static double validation(Path runDir, String when) throws IOException {
        return ((Number) ((Map<String, Object>) json(runDir.resolve("report.json")).get("validation_" + when)).get("loss")).doubleValue();
    }

    /** {@link #kiln} with this text as standard input. */
    static Cli kilnWithInput(String input, String... args) {
        return Cli.runWithInput(input, withPlugins(args));
    }

    static String[] withPlugins(String... args) {
        String[] all = new String[args.length + 4];
        all[0] = "--plugins";
        all[1] = PLUGINS.toString();
        all[2] = "--backend";
        all[3] = "cpu";
        System.arraycopy(args, 0, all, 4, args.length);
        return all;
    }

    static Cli kiln(String... args) {
        String[] all = new String[args.length + 4];
        all[0] = "--plugins";
        all[1] = PLUGINS.toString();
        all[2] = "--backend";
        all[3] = "cpu";
        System.arraycopy(args, 0, all, 4, args.length);
        return Cli.run(all);
    }

    private static Tensor random(Random r, int... dims) {
        int n = 1;
        for (int d : dims) n *= d;
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) r.nextGaussian() * 0.2f;
        return Tensor.of(BACKEND, v, dims);
    }
}
