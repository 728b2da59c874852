package dev.kiln.cli;

import dev.kiln.runtime.config.PipelineConfigLoader;
import dev.kiln.runtime.data.prepared.CorpusPreparer;
import dev.kiln.runtime.data.prepared.PreparedManifest;
import dev.kiln.runtime.pipeline.CorpusPreparation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code kiln prepare --config FILE [--out DIR]}: tokenize a corpus once into token shards. */
@Command(name = "prepare", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Tokenize a pipeline's training corpus once into token shards (flat uint16 ids when the"
                + " vocabulary fits, else uint32) with a document index, split into train and validation by documents.",
                "Reads the config's 'tokenizer' and 'data' sections: data.train (and data.validation) a file or a glob of"
                        + " text, JSONL or TSV files, each optionally .gz; format, document_separator, field (JSONL/TSV, default"
                        + " text), validation_fraction. Then name the output directory in data.train to train from it: no"
                        + " other data keys are needed, and training with a different tokenizer is refused.",
                "Interrupted? Run the same command again: it resumes from the last commit."},
        footer = {"", "Example:", "  kiln prepare --config samples/configs/shakespeare-char.yaml --out data/shakespeare",
                "  kiln pretrain --config samples/configs/shakespeare-char.yaml data.train=$PWD/data/shakespeare"})
final class PrepareCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = {"-c", "--config"}, required = true, paramLabel = "FILE", description = "Pipeline config (YAML or JSON).")
    Path config;

    @Option(names = {"-o", "--out"}, paramLabel = "DIR", description = "Output directory (default: prepared/<config file name>).")
    Path out;

    @Option(names = "--threads", paramLabel = "N", description = "Tokenizing threads (default: the number of cores).")
    Integer threads;

    @Option(names = "--shard-tokens", paramLabel = "N", defaultValue = "268435456",
            description = "Tokens per shard file (default: ${DEFAULT-VALUE}, 512 MiB of uint16).")
    long shardTokens;

    @Parameters(paramLabel = "KEY=VALUE", arity = "0..*", description = "Config overrides (e.g. data.validation_fraction=0.01).")
    List<String> overrides = new ArrayList<>();

    @Override
    public Integer call() throws IOException {
        PrintWriter stdout = spec.commandLine().getOut(), stderr = spec.commandLine().getErr();
        if (threads != null && threads < 1) throw new IllegalArgumentException("--threads must be at least 1, got " + threads);
        Map<String, Object> cfg = PipelineConfigLoader.load(config, overrides);
        Path dir = out != null ? out : Path.of("prepared", TrainingCommand.stem(config));
        int n = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        Activity.set("preparing " + dir);
        stderr.println("kiln prepare: " + config + " → " + dir + " (" + n + " thread" + (n == 1 ? "" : "s") + ")");
        stderr.flush();
        boolean terminal = Terminal.isInteractive();
        long[] lastLine = {0};
        CorpusPreparer.Listener bar = (read, total, tokens, seconds) -> {
            double mbps = read / 1e6 / Math.max(seconds, 1e-9);
            double eta = read <= 0 ? 0 : (total - read) / (read / seconds);
            String line = String.format(java.util.Locale.ROOT, "%s %.0f%% · %,.0f / %,.0f MB · %.1f MB/s · %s tokens · ETA %s",
                    ProgressBar.bar(read, total), total == 0 ? 100.0 : 100.0 * read / total, read / 1e6, total / 1e6, mbps,
                    Format.thousands(tokens), Format.duration(eta));
            if (terminal) {
                stderr.print("\r" + line);
                stderr.flush();
            } else if (seconds - lastLine[0] >= 10 || read == total) {
                stderr.println(line);
                stderr.flush();
                lastLine[0] = (long) seconds;
            }
        };
        PreparedManifest m = CorpusPreparation.run(cfg, config.toAbsolutePath().getParent(), dir, shardTokens, n, bar);
        if (terminal) stderr.println();
        var train = m.splits().get("train");
        var val = m.splits().get("validation");
        stdout.printf(java.util.Locale.ROOT, "prepared %s: %,d training tokens in %,d documents, %,d validation tokens in %,d documents (%s, tokenizer %s)%n",
                dir, train.tokens(), train.documents(), val == null ? 0 : val.tokens(), val == null ? 0 : val.documents(), m.dtype(), m.tokenizerName());
        stdout.printf(java.util.Locale.ROOT, "%.1f MB of text in %.1f s: %.1f MB/s%n", m.textBytes() / 1e6, m.seconds(), m.textBytes() / 1e6 / Math.max(m.seconds(), 1e-9));
        stdout.println("train from it with: data.train: " + dir.toAbsolutePath().normalize());
        stdout.flush();
        return 0;
    }
}
