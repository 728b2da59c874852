package dev.kiln.cli;

import dev.kiln.api.nn.Transformer;
import dev.kiln.runtime.hf.HfCheckpoints;
import dev.kiln.runtime.hf.HfModel;
import dev.kiln.api.io.SafetensorsFile;
import dev.kiln.runtime.model.ModelStore;
import dev.kiln.runtime.tokenizer.TokenizerSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static dev.kiln.cli.ModelDirectories.*;
import static org.junit.jupiter.api.Assertions.*;

/** Hugging Face and Kiln model directories into finetune / pretrain (model.init_from), and out through export. */
class ModelDirectoriesCliTest {
    @TempDir
    Path tmp;

    @Test
    void finetuneFromAHuggingFaceDirectoryTrainsSavesAndExports() throws IOException {
        Path from = hfGpt2(tmp.resolve("hf-gpt2"));
        Path cfg = config(tmp.resolve("ft.json"), Map.of("finetune", Map.of("from", from.toString(), "method", "full", "export", "hf"),
                "objective", "clm", "data", Map.of("train", text(tmp.resolve("stories.txt")).toString()), "train", train(3)));
        Path out = tmp.resolve("run");
        Cli r = kiln("finetune", "--config", cfg.toString(), "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("exported GPT2LMHeadModel to " + out.resolve("hf")), r.err());
        assertTrue(validation(out, "after") < validation(out, "before"), "three steps of full fine-tuning lower the loss");
        HfModel source = HfCheckpoints.load(from, BACKEND), exported = HfCheckpoints.load(out.resolve("hf"), BACKEND);
        assertEquals(source.model().config().dModel(), exported.model().config().dModel());
        assertFalse(Arrays.equals(source.model().namedParameters().get("blocks.0.attn.qkv.weight").toArray(),
                exported.model().namedParameters().get("blocks.0.attn.qkv.weight").toArray()), "the export holds the trained weights");
        try (SafetensorsFile kiln = SafetensorsFile.open(out.resolve("model/model.safetensors"))) {
            assertArrayEquals(kiln.floats("blocks.0.attn.qkv.weight"), exported.model().namedParameters().get("blocks.0.attn.qkv.weight").toArray());
        }
        assertTrue(Files.isRegularFile(out.resolve("hf/generation_config.json")));
    }

    @Test
    void finetuneExportIntoADirectoryOfOtherFilesIsRefusedBeforeTraining() throws IOException {
        Path from = hfGpt2(tmp.resolve("hf-gpt2"));
        Path out = tmp.resolve("run");
        Files.createDirectories(out.resolve("hf"));
        Files.writeString(out.resolve("hf/mine.txt"), "x");
        Path cfg = config(tmp.resolve("ft.json"), Map.of("finetune", Map.of("from", from.toString(), "method", "full", "export", "hf"),
                "objective", "clm", "data", Map.of("train", text(tmp.resolve("stories.txt")).toString()), "train", train(2)));
        Cli r = kiln("finetune", "--config", cfg.toString(), "--out", out.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains(out.resolve("hf") + ": exists, is not empty and is not an earlier Kiln export"), r.err());
        assertFalse(Files.exists(out.resolve("model")), "refused before training");
    }

    @Test
    void aHuggingFaceClassifiersHeadAndLabelsBecomeTheSftHead() throws IOException {
        Path from = hfBert(tmp.resolve("hf-cls"), true);
        Path data = sentiment(tmp.resolve("train.tsv"));
        Path cfg = config(tmp.resolve("cls.json"), Map.of("finetune", Map.of("from", from.toString(), "method", "full", "signal", "sft", "export", "hf"),
                "data", Map.of("train", data.toString(), "rename", Map.of("sentence", "text")), "train", train(2)));
        Path out = tmp.resolve("run");
        Cli r = kiln("finetune", "--config", cfg.toString(), "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        assertFalse(r.err().contains("newly initialized"), "the checkpoint has the whole head: " + r.err());
        @SuppressWarnings("unchecked")
        Map<String, Object> sft = (Map<String, Object>) ((Map<String, Object>) json(out.resolve("model/config.json")).get("objectives")).get("sft");
        assertEquals("bert", sft.get("pooler"));
        assertEquals(List.of("neg", "pos"), sft.get("labels"), "labels come from id2label");
        Map<String, Object> exported = json(out.resolve("hf/config.json"));
        assertEquals(List.of("BertForSequenceClassification"), exported.get("architectures"));
        assertEquals(Map.of("0", "neg", "1", "pos"), exported.get("id2label"));
    }

    @Test
    void aMeanPooledClassifierExportedBesideTheBaseModelLoadsBackWithTheSamePredictions() throws IOException {
        Path data = sentiment(tmp.resolve("train.tsv"));
        Map<String, Object> signal = Map.of("name", "sft", "pooler", "mean", "labels", List.of("neg", "pos"));
        Map<String, Object> dataSection = Map.of("train", data.toString(), "rename", Map.of("sentence", "text"), "validation_fraction", 0.25);
        Path first = tmp.resolve("run"), second = tmp.resolve("again");
        Cli r = kiln("finetune", "--config", config(tmp.resolve("a.json"), Map.of("finetune", Map.of("from", hfBert(tmp.resolve("hf-base"), false).toString(),
                "method", "full", "signal", signal, "export", "hf"), "data", dataSection, "train", train(4))).toString(), "--out", first.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.isRegularFile(first.resolve("hf/" + dev.kiln.runtime.hf.HfExport.HEAD_FILE)), "a mean-pooled head has no transformers class");
        r = kiln("finetune", "--config", config(tmp.resolve("b.json"), Map.of("finetune", Map.of("from", first.resolve("hf").toString(),
                "method", "full", "signal", signal), "data", dataSection, "train", train(1))).toString(), "--out", second.toString());
        assertEquals(0, r.code(), r.err());
        assertFalse(r.err().contains("newly initialized"), "the head comes back from the export: " + r.err());
        Map<String, Object> trained = section(first, "validation_after"), reloaded = section(second, "validation_before");
        assertFalse(trained.isEmpty());
        for (String metric : trained.keySet())       // loss, accuracy and every confusion cell: the same predictions
            assertEquals(((Number) trained.get(metric)).doubleValue(), ((Number) reloaded.get(metric)).doubleValue(), 1e-6, metric);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> section(Path runDir, String key) throws IOException {
        return (Map<String, Object>) json(runDir.resolve("report.json")).get(key);
    }

    @Test
    void aHeadTheCheckpointLacksIsInitializedAndReported() throws IOException {
        Path from = hfBert(tmp.resolve("hf-base"), false);
        Path cfg = config(tmp.resolve("cls.json"), Map.of("finetune", Map.of("from", from.toString(), "method", "full",
                        "signal", Map.of("name", "sft", "pooler", "bert", "labels", List.of("neg", "pos"))),
                "data", Map.of("train", sentiment(tmp.resolve("train.tsv")).toString(), "rename", Map.of("sentence", "text")), "train", train(1)));
        Cli r = kiln("finetune", "--config", cfg.toString(), "--out", tmp.resolve("run").toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("Some weights of the 'sft' head were not initialized from the model checkpoint at " + from
                + " (BertModel) and are newly initialized: [sft.classifier.bias, sft.classifier.weight]"), r.err());
    }

    @Test
    void initFromContinuesPretrainingFromAKilnOrAnExportedHuggingFaceDirectory() throws IOException {
        Path stories = text(tmp.resolve("stories.txt"));
        Map<String, Object> data = Map.of("train", stories.toString());
        Path first = tmp.resolve("first");
        Cli pre = kiln("pretrain", "--config", config(tmp.resolve("pre.json"), Map.of("tokenizer", Map.of("type", "byte"),
                "model", Map.of("preset", "gpt2", "d_model", 32, "layers", 2, "heads", 4, "max_seq", 64), "objective", "clm",
                "data", data, "train", train(4))).toString(), "--out", first.toString(), "--no-sample");
        assertEquals(0, pre.code(), pre.err());
        double trained = validation(first, "after");

        Path hf = tmp.resolve("hf");
        Cli export = kiln("export", "--model", first.resolve("model").toString(), "--format", "hf", "--out", hf.toString());
        assertEquals(0, export.code(), export.err());
        assertTrue(export.out().contains("as GPT2LMHeadModel"), export.out());

        for (Path source : List.of(first.resolve("model"), hf)) {
            Path run = tmp.resolve("continued-" + source.getFileName());
            Cli c = kiln("pretrain", "--config", config(tmp.resolve("cont.json"), Map.of("model", Map.of("init_from", source.toString(), "dropout", 0.0),
                    "objective", "clm", "data", data, "train", train(1))).toString(), "--out", run.toString(), "--no-sample");
            assertEquals(0, c.code(), c.err());
            assertEquals(trained, validation(run, "before"), 1e-5, "starts where " + source + " ended, not from a random init");
        }
        Path fresh = tmp.resolve("fresh");
        kiln("pretrain", "--config", config(tmp.resolve("fresh.json"), Map.of("tokenizer", Map.of("type", "byte"),
                "model", Map.of("preset", "gpt2", "d_model", 32, "layers", 2, "heads", 4, "max_seq", 64), "objective", "clm",
                "data", data, "train", train(1))).toString(), "--out", fresh.toString(), "--no-sample");
        assertTrue(validation(fresh, "before") > trained + 0.1, "a random init scores worse than the trained model");
    }

    @Test
    void initFromRefusesAConflictingShapeKeyAndATokenizerSection() throws IOException {
        Path from = hfGpt2(tmp.resolve("hf-gpt2"));
        Map<String, Object> data = Map.of("train", text(tmp.resolve("stories.txt")).toString());
        Cli shape = kiln("pretrain", "--config", config(tmp.resolve("a.json"), Map.of("model", Map.of("init_from", from.toString(), "d_model", 64),
                "objective", "clm", "data", data, "train", train(1))).toString(), "--out", tmp.resolve("a").toString());
        assertEquals(1, shape.code());
        assertTrue(shape.err().contains("key 'd_model'") && shape.err().contains("is 64 but the model in init_from")
                && shape.err().contains("only dropout may differ"), shape.err());
        Path prompted = tmp.resolve("prompted");
        Transformer withPrompt = HfCheckpoints.load(from, BACKEND).model();
        withPrompt.attachSoftPrompt(4);
        ModelStore.save(prompted, withPrompt, Map.of(), Map.of());
        TokenizerSpec.standard().save(BYTES, prompted);
        Cli soft = kiln("pretrain", "--config", config(tmp.resolve("c.json"), Map.of("model", Map.of("init_from", prompted.toString()),
                "objective", "clm", "data", data, "train", train(1))).toString(), "--out", tmp.resolve("c").toString());
        assertEquals(1, soft.code());
        assertTrue(soft.err().contains("model.init_from: " + prompted + " has a soft prompt"), soft.err());
        Cli tok = kiln("pretrain", "--config", config(tmp.resolve("b.json"), Map.of("model", Map.of("init_from", from.toString()),
                "tokenizer", Map.of("type", "byte"), "objective", "clm", "data", data, "train", train(1))).toString(), "--out", tmp.resolve("b").toString());
        assertEquals(1, tok.code());
        assertTrue(tok.err().contains("key 'tokenizer'") && tok.err().contains("comes from model.init_from"), tok.err());
    }
}
