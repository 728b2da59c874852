package dev.kiln.samples;

import dev.kiln.api.io.Json;
import dev.kiln.runtime.pipeline.Pipeline;
import dev.kiln.runtime.pipeline.PipelineResult;
import dev.kiln.runtime.train.TrainingListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** LoRA + instruction tuning through the shipped sft-instruction.yaml: the answer-token loss falls and the template is saved. */
class InstructionPipelineTest {

    @Test
    void loraInstructionTuningLearnsTheAnswersAndStoresTheChatTemplate(@TempDir Path tmp) throws Exception {
        Runs.pretrain("gpt-stories.yaml", Runs.tiny("train.steps=60", "model.max_seq=128"), tmp.resolve("pre"));
        Path plugins = tmp.resolve("plugins");
        for (String jar : List.of("kiln-finetune-sft", "kiln-finetune-lora")) {
            Path to = plugins.resolve(jar).resolve(jar + ".jar");
            Files.createDirectories(to.getParent());
            Files.copy(Path.of("target/dropin/" + jar + ".jar"), to);
        }
        Map<String, Object> cfg = Runs.config("sft-instruction.yaml", List.of("finetune.from=" + tmp.resolve("pre/model"),
                "train.steps=300", "train.eval_every=100", "train.lr=0.005", "train.batch_size=8", "train.seq_len=128", "train.warmup=10"));
        PipelineResult r = Runs.injector(plugins).getInstance(Pipeline.class).finetune(cfg, Runs.CONFIGS, tmp.resolve("ft"), TrainingListener.NONE);
        double before = r.initialEval().get("loss"), after = r.finalEval().get("loss");
        assertTrue(after < 0.85 * before, "answer-token loss " + before + " -> " + after + "; " + r.report());
        assertTrue(r.finalEval().get("token_accuracy") > r.initialEval().get("token_accuracy") + 0.05, r.report().toString());
        Map<?, ?> saved = (Map<?, ?>) Json.read(r.modelDir().resolve("config.json"));
        Map<?, ?> sft = (Map<?, ?>) ((Map<?, ?>) saved.get("objectives")).get("sft");
        assertEquals("instruction", sft.get("task"));
        assertTrue(sft.get("chat_template") instanceof Map<?, ?> t && t.containsKey("assistant"), "chat template stored: " + sft);
    }
}
