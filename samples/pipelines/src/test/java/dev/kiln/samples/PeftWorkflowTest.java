package dev.kiln.samples;

import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.runtime.model.ModelStore;
import dev.kiln.runtime.pipeline.PipelineResult;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The adapter methods (bitfit has its own pipeline test in its module) through `kiln finetune`'s pipeline with the shipped sst2-*.yaml
 * config (plugins from a folder): LoRA beats a head-only probe of the same base on the test split (IA3,
 * prompt and prefix tuning do not reliably on this tiny base: plumbing only here), each trains a small
 * share of the parameters, writes its adapter alone in PEFT's layout, and leaves a model
 * directory that loads again.
 */
class PeftWorkflowTest {
    @TempDir
    static Path tmp;
    static FinetuneWorkflow flow;
    static Path pretrained;

    @BeforeAll
    static void pretrain() throws IOException {
        flow = new FinetuneWorkflow(tmp);
        pretrained = flow.pretrain();
    }

    /**
     * Margin over a head-only probe of the same frozen base (same config, data, steps and rate), or
     * NaN where this tiny MLM base shows no gain over the head, measured 2026-12-03 (test accuracy,
     * probe): lora 0.943 vs 0.540, prompt-tuning 0.640 vs 0.608, ia3 0.608 vs 0.608, prefix-tuning
     * 0.605 vs 0.613. Prompt tuning's lead was the base's luck: once mlm drew each row's masks from a
     * stream of its own (2026-12-04) the base changed and prompt tuning gave 0.578 against the probe's
     * 0.658. For ia3, prompt and prefix tuning this test checks the pipeline's plumbing only; their
     * learning tests, each against a head-only probe, are in their modules (Ia3WithSftLearnsTest,
     * PromptTuningWithSftLearnsTest, PrefixTuningWithSftLearnsTest).
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "lora,   lora,          0.005, true,  0.2",
            "ia3,    ia3,           0.05,  true,  NaN",
            "prompt, prompt-tuning, 0.05,  true,  NaN",
            "prefix, prefix-tuning, 0.03,  true,  NaN"})
    void methodThroughThePipeline(String config, String method, double lr, boolean adapterFiles, double marginOverHead) throws IOException {
        Path out = tmp.resolve(config);
        PipelineResult r = flow.finetune("sst2-" + config + ".yaml", pretrained, out, "train.lr=" + lr, "train.steps=600",
                "train.early_stopping_patience=8", "train.seq_len=48");
        Map<String, Object> report = r.report();
        assertEquals(method, report.get("method"));
        double acc = r.testEval().get("accuracy");
        if (!Double.isNaN(marginOverHead)) {
            double probe = headOnly(config, lr);
            System.out.printf("%s through the pipeline: test accuracy %.3f, head-only probe %.3f, majority %.3f%n", method, acc, probe, flow.majority);
            assertTrue(probe >= flow.majority - 0.01, "the probe is a trained head, not a broken run: " + probe + " vs majority " + flow.majority);
            assertTrue(acc >= probe + marginOverHead, method + ": test accuracy " + acc + " vs a head-only probe's " + probe + "; " + report);
        }
        double share = ((Number) ((Map<?, ?>) report.get("parameters")).get("trainable_percent")).doubleValue();
        assertTrue(share < 25, method + " trains " + share + "% of a tiny model (the head alone is a large share of it)");
        if (adapterFiles) {
            assertTrue(Files.isRegularFile(out.resolve("adapter/adapter_config.json")), method + " writes adapter_config.json");
            assertTrue(Files.isRegularFile(out.resolve("adapter/adapter_model.safetensors")), method + " writes adapter_model.safetensors");
        }
        ModelStore.Loaded again = ModelStore.load(r.modelDir(), new NaiveBackend());
        assertTrue(again.heads().keySet().stream().anyMatch(k -> k.startsWith("sft.")), "the classification head is saved: " + again.heads().keySet());
    }

    /**
     * The control: the same config, data, steps and learning rate with every backbone weight frozen
     * ({@code full} with the embeddings and all layers frozen), so only the head (and the final norm)
     * trains.
     */
    static double headOnly(String config, double lr) throws IOException {
        PipelineResult r = flow.finetune("sst2-" + config + ".yaml", pretrained, tmp.resolve(config + "-head-only"), "train.lr=" + lr,
                "train.steps=600", "train.early_stopping_patience=8", "train.seq_len=48",
                "finetune.method={name: full, freeze_embeddings: true, freeze_layers: 2}");
        assertEquals("full", r.report().get("method"));
        return r.testEval().get("accuracy");
    }

    /**
     * {@code finetune.adapter}: a second run continues the first run's LoRA adapter (its rank, the
     * same trainable share) instead of a fresh one, and the saved adapter_config.json names the base
     * model and the task, as PEFT's does.
     */
    @org.junit.jupiter.api.Test
    void aSavedAdapterContinuesTrainingAndItsConfigNamesTheBase() throws IOException {
        Path first = tmp.resolve("continue-1"), second = tmp.resolve("continue-2");
        PipelineResult a = flow.finetune("sst2-lora.yaml", pretrained, first, "train.steps=20", "train.seq_len=48", "finetune.method.r=2");
        PipelineResult b = flow.finetune("sst2-lora.yaml", pretrained, second, "train.steps=20", "train.seq_len=48",
                "finetune.adapter=" + first.resolve("adapter").toAbsolutePath());
        assertEquals(((Map<?, ?>) a.report().get("parameters")).get("trainable"), ((Map<?, ?>) b.report().get("parameters")).get("trainable"),
                "the continued adapter has the saved rank 2, not the config's");
        String cfg = Files.readString(second.resolve("adapter/adapter_config.json"));
        assertTrue(cfg.contains("\"r\": 2") && cfg.contains("\"task_type\": \"SEQ_CLS\"")
                && cfg.contains("\"base_model_name_or_path\": " + dev.kiln.api.io.Json.quote(pretrained.toAbsolutePath().normalize().toString())), cfg);
    }

    /**
     * {@code finetune.adapter} with another method: the saved LoRA adapter is merged into the base
     * first and IA3 trains on top, so the run starts from a different function than IA3 on the base
     * alone (same seed, same fresh head).
     */
    @org.junit.jupiter.api.Test
    void anotherMethodTrainsOnTopOfASavedAdapter() throws IOException {
        Path lora = tmp.resolve("top-lora");
        flow.finetune("sst2-lora.yaml", pretrained, lora, "train.steps=20", "train.seq_len=48", "train.lr=0.05");
        PipelineResult plain = flow.finetune("sst2-ia3.yaml", pretrained, tmp.resolve("top-plain"), "train.steps=5", "train.seq_len=48");
        PipelineResult onTop = flow.finetune("sst2-ia3.yaml", pretrained, tmp.resolve("top-ia3"), "train.steps=5", "train.seq_len=48",
                "finetune.adapter=" + lora.resolve("adapter").toAbsolutePath());
        Object before = ((Map<?, ?>) plain.report().get("validation_before")).get("loss");
        Object beforeOnTop = ((Map<?, ?>) onTop.report().get("validation_before")).get("loss");
        assertTrue(!before.equals(beforeOnTop), "the merged LoRA adapter changes the starting model: " + before + " vs " + beforeOnTop);
        assertEquals(((Map<?, ?>) plain.report().get("parameters")).get("trainable"), ((Map<?, ?>) onTop.report().get("parameters")).get("trainable"),
                "only IA3 (and the head) trains; the LoRA adapter is folded in");
    }
}
