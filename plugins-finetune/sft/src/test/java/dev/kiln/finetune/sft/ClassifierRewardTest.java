package dev.kiln.finetune.sft;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.config.Config;
import dev.kiln.api.config.ConfigException;
import dev.kiln.api.data.Dataset;
import dev.kiln.api.data.Example;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.objective.BatchSpec;
import dev.kiln.api.objective.ObjectiveContext;
import dev.kiln.api.reward.Completion;
import dev.kiln.api.reward.RewardContext;
import dev.kiln.api.reward.RewardFunction;
import dev.kiln.api.reward.RewardFunctionFactory;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.testing.TinyTraining;
import dev.kiln.api.testing.WordTokenizer;
import dev.kiln.api.tokenizer.Tokenizer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The classifier reward function scores a text as the sft objective that trained the classifier
 * classifies it: picking each test row's highest-reward label reproduces the objective's held-out
 * accuracy exactly, and that accuracy is far above the majority class (so the reward carries the
 * sentiment). The context loads nothing from disk: it hands over the trained model in memory.
 */
class ClassifierRewardTest {
    static final WordTokenizer TOKENIZER = new WordTokenizer(SentimentTask.vocabulary());
    static final Backend BE = new NaiveBackend();
    static final TransformerConfig MODEL = TinyTraining.encoder(TOKENIZER.vocabSize(), 32, 2, 4, 16, 0f);
    static final Dataset TEST = SentimentTask.generate("test", 200, 2);
    static Transformer net;
    static SequenceClassificationObjective sft;
    static double objectiveAccuracy, objectiveLoss;

    /** A RewardContext whose "directory" is the trained classifier in memory, config.json as the pipeline saves it. */
    record InMemory(Map<String, Tensor> heads, Map<String, Object> config) implements RewardContext {
        @Override public Tokenizer tokenizer() { return TOKENIZER; }

        @Override public Backend backend() { return BE; }

        @Override public Path resolve(String path) { return Path.of("/configs").resolve(path); }

        @Override public SavedModel loadModel(Path dir) { return new SavedModel(net, TOKENIZER, heads, config); }
    }

    @BeforeAll
    static void trainAClassifier() {
        sft = (SequenceClassificationObjective) new SftFineTunerFactory().objective(
                new Config("finetune signal 'sft'", Map.of("num_labels", 3, "pooler", "mean")), new ObjectiveContext(TOKENIZER, BE, MODEL, 7));
        net = new Transformer(BE, MODEL, 3);
        BatchSpec spec = new BatchSpec(16, 16);
        TinyTraining.train(net, sft, SentimentTask.generate("train", 600, 1), spec, 200, 3e-3, 11);
        Map<String, Double> held = TinyTraining.evaluate(net, sft, TEST, spec, 5);
        objectiveAccuracy = held.get("accuracy");
        objectiveLoss = held.get("loss");
    }

    static InMemory saved() {
        Map<String, Tensor> heads = new LinkedHashMap<>();
        sft.head().namedParameters().forEach((name, t) -> heads.put("sft." + name, t));
        return new InMemory(heads, Map.of("objectives", Map.of("sft", sft.metadata())));
    }

    static RewardFunction reward(Map<String, Object> options, RewardContext context) {
        Map<String, Object> all = new LinkedHashMap<>(Map.of("path", "clf"));
        all.putAll(options);
        return new ClassifierRewardFactory().create(new Config("rewards.0", all), context);
    }

    /** Each test text as a completion: its first word the prompt, the rest the completion. */
    static List<Completion> completions(Dataset data) {
        List<Completion> out = new ArrayList<>();
        for (Example e : data.examples()) {
            String text = e.string("text");
            int cut = text.indexOf(' ');
            String prompt = text.substring(0, cut), rest = text.substring(cut);
            out.add(new Completion(prompt, rest, TOKENIZER.encode(prompt), TOKENIZER.encode(rest), true));
        }
        return out;
    }

    @Test
    void theHighestRewardedLabelIsTheObjectivesPrediction() {
        List<String> labels = sft.labelNames();
        List<Completion> rows = completions(TEST);
        double[][] byLabel = new double[labels.size()][];
        for (int k = 0; k < labels.size(); k++) byLabel[k] = reward(Map.of("label", labels.get(k), "batch_size", 7), saved()).score(rows);
        int correct = 0;
        for (int i = 0; i < rows.size(); i++) {
            int best = 0;
            for (int k = 1; k < labels.size(); k++) if (byLabel[k][i] > byLabel[best][i]) best = k;
            if (labels.get(best).equals(TEST.examples().get(i).string("label"))) correct++;
        }
        double accuracy = (double) correct / rows.size(), baseline = SentimentTask.majorityBaseline(TEST);
        System.out.printf("classifier reward: argmax-label accuracy %.3f, objective's %.3f, majority %.3f%n", accuracy, objectiveAccuracy, baseline);
        assertEquals(objectiveAccuracy, accuracy, 1e-9, "the reward classifies as the objective evaluates");
        double nll = 0;
        for (int k = 0; k < labels.size(); k++) {
            double[] logProb = reward(Map.of("label", labels.get(k), "score", "log_prob"), saved()).score(rows);
            for (int i = 0; i < rows.size(); i++) if (labels.get(k).equals(TEST.examples().get(i).string("label"))) nll -= logProb[i];
        }
        assertEquals(objectiveLoss, nll / rows.size(), 1e-4, "the true labels' mean -log_prob is the objective's held-out cross-entropy");
        assertTrue(accuracy >= baseline + 0.2, "accuracy " + accuracy + " vs majority " + baseline);
    }

    @Test
    void logProbAndProbAreTheSoftmaxOfTheLogits() {
        List<Completion> rows = completions(TEST).subList(0, 9);
        double[] total = new double[rows.size()];
        for (String label : sft.labelNames()) {
            double[] logit = reward(Map.of("label", label), saved()).score(rows);
            double[] logProb = reward(Map.of("label", label, "score", "log_prob"), saved()).score(rows);
            double[] prob = reward(Map.of("label", label, "score", "prob"), saved()).score(rows);
            for (int i = 0; i < rows.size(); i++) {
                assertEquals(Math.exp(logProb[i]), prob[i], 1e-9);
                assertTrue(logProb[i] < 0 && logProb[i] < logit[i] + 50, "log_prob " + logProb[i]);
                total[i] += prob[i];
            }
        }
        for (double t : total) assertEquals(1.0, t, 1e-5, "the classes' probabilities sum to 1");
        String id = Integer.toString(sft.labelNames().indexOf("positive"));
        assertArrayEquals(reward(Map.of("label", "positive"), saved()).score(rows), reward(Map.of("label", id), saved()).score(rows), 0.0,
                "a label by name or by id");
    }

    @Test
    void wrongOptionsAndDirectoriesAreRefusedByName() {
        var missing = assertThrows(ConfigException.class, () -> reward(Map.of(), saved()));
        assertTrue(missing.getMessage().contains("'label'") && missing.getMessage().contains("positive"), missing.getMessage());
        var unknown = assertThrows(ConfigException.class, () -> reward(Map.of("label", "glad"), saved()));
        assertTrue(unknown.getMessage().contains("'glad'") && unknown.getMessage().contains(sft.labelNames().toString()), unknown.getMessage());
        var noHead = assertThrows(ConfigException.class, () -> reward(Map.of("label", "positive"),
                new InMemory(Map.of("reward.score.weight", Tensor.zeros(BE, 1, 32)), Map.of())));
        assertTrue(noHead.getMessage().contains("/configs/clf") && noHead.getMessage().contains("sft.classifier.weight")
                && noHead.getMessage().contains("reward.score.weight"), noHead.getMessage());
        Map<String, Tensor> noBias = new LinkedHashMap<>(saved().heads());
        noBias.remove("sft.classifier.bias");
        var partial = assertThrows(IllegalArgumentException.class, () -> reward(Map.of("label", "positive"), new InMemory(noBias, saved().config())));
        assertTrue(partial.getMessage().contains("heads.sft.classifier.bias"), partial.getMessage());
        var regression = assertThrows(ConfigException.class, () -> reward(Map.of("label", "positive"),
                new InMemory(saved().heads(), Map.of("objectives", Map.of("sft", Map.of("task", "regression", "pooler", "mean"))))));
        assertTrue(regression.getMessage().contains("'label'") && regression.getMessage().contains("regression"), regression.getMessage());
        var typo = assertThrows(ConfigException.class, () -> reward(Map.of("label", "positive", "scores", "prob"), saved()));
        assertTrue(typo.getMessage().contains("'scores'"), typo.getMessage());
    }

    @Test
    void registeredAsAServiceNamedClassifier() {
        List<String> names = ServiceLoader.load(RewardFunctionFactory.class).stream().map(p -> p.get().name()).toList();
        assertEquals(List.of("classifier"), names);
    }
}
