package dev.kiln.cli;

import dev.kiln.api.autograd.GradMode;
import dev.kiln.api.nn.ModelInput;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.ops.Losses;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.runtime.adapter.Adapters;
import dev.kiln.runtime.guice.KilnPlugins;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code kiln eval --model DIR --data FILE}: mean per-token NLL and perplexity of a text file. */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Score a text file under a saved causal language model: mean negative log-likelihood per token"
                + " (nats), perplexity = exp(NLL), and bits per byte.",
                "The file is tokenized as one text and cut into non-overlapping windows of the model's max_seq tokens;"
                        + " every token after the first is predicted exactly once, from the tokens before it in its window."},
        footer = {"", "Example:", "  kiln eval --model runs/tiny/model --data data/valid.txt"})
final class EvalCommand implements Callable<Integer> {
    @ParentCommand
    KilnCli root;

    @Spec
    CommandSpec spec;

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "DIR",
            description = "Model directory (config.json, model.safetensors, tokenizer.json).")
    Path model;

    @Option(names = "--adapter", paramLabel = "DIR",
            description = "Apply a saved adapter first (PEFT layout: adapter_config.json + adapter_model.safetensors, or a fine-tuning"
                    + " run's folder holding adapter/), loaded by the plugin for its peft_type; LoRA and IA3 are merged into the weights.")
    Path adapter;

    @Option(names = {"-d", "--data"}, required = true, paramLabel = "FILE", description = "UTF-8 text file to score.")
    Path data;

    @Option(names = {"-b", "--batch"}, paramLabel = "N", defaultValue = "4",
            description = "Windows per forward pass (default: ${DEFAULT-VALUE}).")
    int batch;

    @Override
    public Integer call() throws IOException {
        if (batch < 1) throw new IllegalArgumentException("--batch must be at least 1, got " + batch);
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        String text = dev.kiln.runtime.data.Utf8Files.read(data);          // an error naming the byte offset of bad UTF-8
        try (Session session = Session.open(root, null, Map.of(), WriterStream.of(err))) {
            ModelFiles m = ModelFiles.load(model, session.backend(), err);
            if (adapter != null) Adapters.apply(session.get(KilnPlugins.class).fineTuners(), m.model(), adapter, true);
            if (!m.model().config().causal())
                throw new IllegalArgumentException(model + ": the model is bidirectional (causal: false); eval scores causal language models");
            int[] ids = m.tokenizer().encode(text);
            if (ids.length < 2) throw new IllegalArgumentException(data + ": needs at least 2 tokens to score, has " + ids.length);
            long t0 = System.nanoTime();
            Score s = score(m.model(), ids, batch);
            double nll = s.nllSum / s.tokens;
            if (!Double.isFinite(nll))
                throw new IllegalStateException(model + ": the model scores " + data + " with a mean NLL of " + nll
                        + ": its weights hold NaN or Inf (a diverged or damaged checkpoint?)");
            out.println("data: " + data + " (" + Format.thousands(ids.length) + " tokens, "
                    + Format.thousands(text.getBytes(StandardCharsets.UTF_8).length) + " bytes, " + s.windows
                    + " windows of up to " + m.model().config().usablePositions() + ")");
            out.println("scored tokens: " + Format.thousands(s.tokens));
            out.println("mean NLL: " + Format.fixed(nll, 4) + " nats/token");
            out.println("perplexity: " + Format.metric(Math.exp(nll)));
            long bytes = text.getBytes(StandardCharsets.UTF_8).length;
            if (bytes > 0) out.println("bits per byte: " + Format.fixed(s.nllSum / Math.log(2) / bytes, 4));
            out.flush();
            err.println("(" + Format.duration((System.nanoTime() - t0) / 1e9) + ", "
                    + Format.thousands(s.tokens / Math.max(1e-9, (System.nanoTime() - t0) / 1e9)) + " tok/s)");
            err.flush();
        }
        return 0;
    }

    /** Sum of per-token NLL over the scored tokens. */
    record Score(double nllSum, long tokens, int windows) {}

    /** Non-overlapping windows of L = max_seq − position_offset inputs; window w predicts ids[w·L + 1 .. w·L + len]. */
    static Score score(Transformer model, int[] ids, int batch) {
        int len = model.config().usablePositions();
        int predicted = ids.length - 1;
        int full = predicted / len, rest = predicted % len;
        double sum = 0;
        boolean wasTraining = model.isTraining();
        model.train(false);
        try (var g = GradMode.noGrad()) {
            for (int w = 0; w < full; w += batch) {
                int b = Math.min(batch, full - w);
                sum += windowNll(model, ids, w * len, b, len);
            }
            if (rest > 0) sum += windowNll(model, ids, full * len, 1, rest);
        } finally {
            model.train(wasTraining);
        }
        return new Score(sum, predicted, full + (rest > 0 ? 1 : 0));
    }

    /** b consecutive windows of t tokens starting at start: summed NLL of their t next tokens each. */
    private static double windowNll(Transformer model, int[] ids, int start, int b, int t) {
        int[] in = new int[b * t], target = new int[b * t];
        for (int i = 0; i < b; i++) {
            System.arraycopy(ids, start + i * t, in, i * t, t);
            System.arraycopy(ids, start + i * t + 1, target, i * t, t);
        }
        var hidden = model.forward(ModelInput.of(new IntTensor(in, b, t)));   // [b, t, C]
        var loss = Losses.crossEntropy(model.logits(hidden), new IntTensor(target, b, t)); // mean over b·t
        return (double) loss.item() * b * t;
    }
}
