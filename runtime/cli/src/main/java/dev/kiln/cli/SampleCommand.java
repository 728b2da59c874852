package dev.kiln.cli;

import dev.kiln.api.autograd.GradMode;
import dev.kiln.api.config.Config;
import dev.kiln.api.reward.Completion;
import dev.kiln.api.rl.DistinctNgrams;
import dev.kiln.api.reward.RewardFunction;
import dev.kiln.runtime.pipeline.PipelineRewards;
import dev.kiln.api.completion.CompletionLogProbs;
import dev.kiln.api.io.AtomicFiles;
import dev.kiln.api.io.Json;
import dev.kiln.api.io.JsonObject;
import dev.kiln.api.nn.ModelInput;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.runtime.adapter.Adapters;
import dev.kiln.runtime.generate.Generation;
import dev.kiln.runtime.generate.GenerationDefaults;
import dev.kiln.runtime.generate.Generator;
import dev.kiln.runtime.generate.SamplingSettings;
import dev.kiln.runtime.guice.KilnPlugins;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code kiln sample --model DIR --prompts FILE --out FILE.jsonl}: one sampled completion per prompt
 * (prompt i sampled with seed + i, so each is reproducible on its own), with the per-token KL to a
 * reference model when one is given: what an alignment run is judged on.
 */
@Command(name = "sample", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Sample one completion for each prompt of a file with a saved causal language model and write them as"
                + " JSON lines (prompt, completion, tokens, stop, logp; ref_logp and kl with --reference).",
                "The KL to the reference is the sampled tokens' log π − log π_ref (an unbiased estimate of KL(π‖π_ref), as"
                        + " TRL logs it), summed per completion; the summary gives its mean per completion and per token."},
        footer = {"", "Examples:",
                "  kiln sample --model runs/dpo/model --reference runs/sst2-clm/model --prompts runs/prompts.txt -n 24 --out runs/dpo/samples.jsonl",
                "  kiln sample ... --tsv runs/dpo/judge.tsv && kiln eval --model runs/judge/model --data runs/dpo/judge.tsv",
                "    (every row of the TSV is labelled 1, so the judge's accuracy is the share of completions it calls positive)"})
final class SampleCommand implements Callable<Integer> {
    @ParentCommand
    KilnCli root;

    @Spec
    CommandSpec spec;

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "DIR", description = "The policy: a model directory.")
    Path model;

    @Option(names = "--adapter", paramLabel = "DIR", description = "Apply a saved adapter to the policy first (as kiln generate).")
    Path adapter;

    @Option(names = "--reference", paramLabel = "DIR", description = "A model directory to measure the KL to (the run's starting model).")
    Path reference;

    @Option(names = "--reward-model", paramLabel = "DIR",
            description = "Also score each completion with a reward model trained by the reward signal (the reward_model reward function): 'reward' in each line, its mean in the summary.")
    Path rewardModel;

    @Option(names = "--reward", paramLabel = "NAME[:KEY=VALUE,...]",
            description = "Or score with any reward function and its options, as in a config's rewards list, e.g. "
                    + "classifier:path=runs/sst2-classifier/model,label=1 (paths relative to the working directory).")
    String rewardSpec;

    @Option(names = "--prompts", required = true, paramLabel = "FILE",
            description = "Prompts: a .jsonl file with a string 'prompt' per line, or a text file with one prompt per line.")
    Path prompts;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "The JSON lines to write (replaced atomically).")
    Path out;

    @Option(names = "--tsv", paramLabel = "FILE",
            description = "Also write label<TAB>sentence rows (label 1, sentence = prompt + completion) for kiln eval of a classifier.")
    Path tsv;

    @Option(names = "--samples-per-prompt", paramLabel = "N", defaultValue = "1",
            description = "Completions per prompt (sample k of prompt i is seeded seed + i·N + k; default: ${DEFAULT-VALUE}).")
    int perPrompt;

    @Option(names = "--pairs", paramLabel = "FILE",
            description = "With --reward-model (or --reward) and --samples-per-prompt >= 2: write {prompt, chosen, rejected} JSON lines, the highest-"
                    + "and lowest-rewarded sample of each prompt (prompts whose samples tie are left out): on-policy pairs for dpo.")
    Path pairs;

    @Mixin
    SamplingOptions sampling;

    @Override
    public Integer call() throws IOException {
        PrintWriter err = spec.commandLine().getErr();
        if (perPrompt < 1) throw new IllegalArgumentException("--samples-per-prompt must be at least 1, got " + perPrompt);
        if (rewardModel != null && rewardSpec != null) throw new IllegalArgumentException("give --reward-model or --reward, not both");
        Map<String, Object> rewardSection = rewardModel != null ? Map.of("name", "reward_model", "path", rewardModel.toString())
                : rewardSpec != null ? RewardSpec.parse(rewardSpec) : null;
        if (pairs != null && (rewardSection == null || perPrompt < 2))
            throw new IllegalArgumentException("--pairs needs --reward-model (or --reward) and --samples-per-prompt of at least 2 (to rank a prompt's samples)");
        distinctFiles(new String[] {"--prompts", "--out", "--tsv", "--pairs"}, new Path[] {prompts, out, tsv, pairs});
        List<String> texts = readPrompts(prompts);
        SamplingSettings settings = sampling.settings(GenerationDefaults.read(model));
        try (Session session = Session.open(root, null, Map.of(), WriterStream.of(err))) {
            ModelFiles policy = ModelFiles.load(model, session.backend(), err);
            if (adapter != null) Adapters.apply(session.get(KilnPlugins.class).fineTuners(), policy.model(), adapter, true);
            ModelFiles ref = reference == null ? null : ModelFiles.load(reference, session.backend(), err);
            if (ref != null && ref.tokenizer().vocabSize() != policy.tokenizer().vocabSize())
                throw new IllegalArgumentException("--reference " + reference + ": its tokenizer has " + ref.tokenizer().vocabSize()
                        + " ids, the policy's " + policy.tokenizer().vocabSize() + "; the KL needs the same vocabulary");
            RewardFunction reward = rewardSection == null ? null
                    : PipelineRewards.of(session.get(KilnPlugins.class).rewards(), policy.tokenizer(), session.backend(), Path.of(""))
                    .create(new Config(rewardModel != null ? "--reward-model" : "--reward", rewardSection));
            Generator generator = new Generator(policy.model(), policy.tokenizer());
            StringBuilder jsonl = new StringBuilder(), rows = new StringBuilder("label\tsentence\n");
            double klSum = 0, rewardSum = 0;
            long tokens = 0;
            List<int[]> completionIds = new ArrayList<>();
            StringBuilder pairLines = new StringBuilder();
            int pairCount = 0;
            for (int i = 0; i < texts.size(); i++) {
                String prompt = texts.get(i);
                int[] promptIds = policy.tokenizer().encode(prompt);
                List<Map<String, Object>> records = new ArrayList<>(perPrompt);
                List<Completion> completions = new ArrayList<>(perPrompt);
                for (int k = 0; k < perPrompt; k++) {
                    Generation g = generator.generate(prompt, settings.withSeed(settings.seed() + (long) i * perPrompt + k), piece -> {});
                    Map<String, Object> record = new LinkedHashMap<>();
                    record.put("prompt", prompt);
                    record.put("completion", g.text());
                    record.put("tokens", g.tokens().length);
                    record.put("stop", g.reason().name().toLowerCase(java.util.Locale.ROOT));
                    double logp = logProb(policy.model(), promptIds, g.tokens());
                    record.put("logp", logp);
                    if (ref != null) {
                        double refLogp = logProb(ref.model(), promptIds, g.tokens());
                        record.put("ref_logp", refLogp);
                        record.put("kl", logp - refLogp);
                        klSum += logp - refLogp;
                    }
                    tokens += g.tokens().length;
                    completionIds.add(g.tokens());
                    records.add(record);
                    completions.add(new Completion(prompt, g.text(), promptIds, g.tokens(), g.reason() != Generation.StopReason.MAX_TOKENS));
                }
                if (reward != null) {                                        // a prompt's samples scored in one call (the reward batches them)
                    double[] scores = reward.score(completions);
                    for (int k = 0; k < perPrompt; k++) {
                        records.get(k).put("reward", scores[k]);
                        rewardSum += scores[k];
                    }
                }
                for (Map<String, Object> record : records) {
                    jsonl.append(Json.compact(record)).append('\n');
                    rows.append("1\t").append(oneLine(prompt + record.get("completion"))).append('\n');
                }
                Map<String, Object> pair = pairs == null ? null : preferencePair(prompt, records);
                if (pair != null) {
                    pairLines.append(Json.compact(pair)).append('\n');
                    pairCount++;
                }
            }
            AtomicFiles.writeString(out, jsonl.toString());
            if (tsv != null) AtomicFiles.writeString(tsv, rows.toString());
            if (pairs != null) AtomicFiles.writeString(pairs, pairLines.toString());
            int samples = texts.size() * perPrompt;
            err.println("sampled " + samples + " completions (" + GenerateCommand.describe(settings) + "), mean length "
                    + Format.fixed(tokens / (double) Math.max(1, samples), 1) + " tokens -> " + out);
            err.println("diversity: distinct-1 " + Format.fixed(DistinctNgrams.of(completionIds, 1), 3) + ", distinct-2 "
                    + Format.fixed(DistinctNgrams.of(completionIds, 2), 3) + " (unique token n-grams / n-grams, over all completions)");
            if (pairs != null) err.println(pairCount + " preference pairs (highest vs lowest reward of each prompt's samples) -> " + pairs);
            if (ref != null)
                err.println("KL to " + reference + ": " + Format.fixed(klSum / Math.max(1, samples), 3) + " per completion, "
                        + Format.fixed(klSum / Math.max(1, tokens), 4) + " per token");
            if (reward != null)
                err.println("reward (" + (rewardModel != null ? rewardModel : rewardSpec) + "): mean " + Format.fixed(rewardSum / Math.max(1, samples), 3));
            err.flush();
        }
        return 0;
    }

    /** {prompt, chosen, rejected}: the best- and worst-rewarded of a prompt's samples, or null when they tie (no preference). */
    private static Map<String, Object> preferencePair(String prompt, List<Map<String, Object>> records) {
        Map<String, Object> best = records.get(0), worst = records.get(0);
        for (Map<String, Object> r : records) {
            if ((double) r.get("reward") > (double) best.get("reward")) best = r;
            if ((double) r.get("reward") < (double) worst.get("reward")) worst = r;
        }
        if (!((double) best.get("reward") > (double) worst.get("reward"))) return null;
        Map<String, Object> pair = new LinkedHashMap<>();
        pair.put("prompt", prompt);
        pair.put("chosen", best.get("completion"));
        pair.put("rejected", worst.get("completion"));
        return pair;
    }

    /** log π(completion | prompt), summed over the completion's tokens. */
    private static double logProb(Transformer m, int[] prompt, int[] completion) {
        if (completion.length == 0) return 0;
        int[] ids = Arrays.copyOf(prompt, prompt.length + completion.length);
        System.arraycopy(completion, 0, ids, prompt.length, completion.length);
        int[] trained = new int[ids.length];
        Arrays.fill(trained, prompt.length, ids.length, 1);
        boolean training = m.isTraining();
        m.train(false);
        try (var g = GradMode.noGrad()) {
            IntTensor in = new IntTensor(ids, 1, ids.length);
            return CompletionLogProbs.of(m.logits(m.forward(ModelInput.of(in))), in, new IntTensor(trained, 1, ids.length)).sums().item();
        } finally {
            m.train(training);
        }
    }

    private static String oneLine(String s) {
        return s.replace('\t', ' ').replace('\n', ' ').replace('\r', ' ');
    }

    /** Refuses two of these options naming one file: an output would replace the prompts or another output. */
    static void distinctFiles(String[] options, Path[] files) throws IOException {
        for (int i = 0; i < files.length; i++)
            for (int j = i + 1; j < files.length; j++)
                if (files[i] != null && files[j] != null && sameFile(files[i], files[j]))
                    throw new IllegalArgumentException(options[j] + " " + files[j] + " is the same file as " + options[i]
                            + "; it would be overwritten");
    }

    private static boolean sameFile(Path a, Path b) throws IOException {
        if (a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize())) return true;
        return Files.exists(a) && Files.exists(b) && Files.isSameFile(a, b);
    }

    /** The prompts of a .jsonl file ('prompt' of each line) or of a text file (each non-blank line). */
    static List<String> readPrompts(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new IOException(file + ": no such prompt file");
        String text = Files.readString(file, StandardCharsets.UTF_8);
        List<String> out = new ArrayList<>();
        if (file.getFileName().toString().endsWith(".jsonl")) {
            Json.forEachLine(text, file.toString(), (line, value) -> {
                JsonObject o = JsonObject.of(value, file + ":" + line);
                String p = o.string("prompt");
                if (p == null) throw new IOException(file + ":" + line + ": expected a string 'prompt', found keys " + o.keys());
                out.add(p);
            });
        } else {
            for (String line : text.split("\r?\n")) if (!line.isBlank()) out.add(line);
        }
        if (out.isEmpty()) throw new IOException(file + ": no prompts in the file");
        return out;
    }
}
