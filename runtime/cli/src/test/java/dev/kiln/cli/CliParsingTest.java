package dev.kiln.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class CliParsingTest {
    private static CommandLine cli(Map<String, String> env) {
        return KilnCli.commandLine(env, new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()));
    }

    @Test
    void pretrainTakesConfigOutAndOverrides() {
        CommandLine cl = cli(Map.of());
        CommandLine.ParseResult pr = cl.parseArgs("pretrain", "--config", "c.yaml", "train.steps=5", "--out", "o", "seed=3");
        PretrainCommand p = (PretrainCommand) pr.subcommand().commandSpec().userObject();
        assertEquals(Path.of("c.yaml"), p.config);
        assertEquals(Path.of("o"), p.out);
        assertEquals(List.of("train.steps=5", "seed=3"), p.overrides);
    }

    @Test
    void globalOptionsWorkBeforeAndAfterTheSubcommand() {
        CommandLine before = cli(Map.of());
        before.parseArgs("--backend", "naive", "--plugins", "/tmp/p", "bench", "--steps", "2");
        KilnCli root = before.getCommand();
        assertEquals("naive", root.backend);
        assertEquals(List.of("/tmp/p"), root.plugins);

        CommandLine after = cli(Map.of());
        after.parseArgs("bench", "--backend", "naive", "--plugins", "/tmp/q");
        KilnCli root2 = after.getCommand();
        assertEquals("naive", root2.backend, "an inherited option given after the subcommand reaches the root command");
        assertEquals(List.of("/tmp/q"), root2.plugins);
    }

    @Test
    void generateParsesSamplingOptions() {
        CommandLine cl = cli(Map.of());
        var pr = cl.parseArgs("generate", "--model", "m", "--prompt", "héllo", "--max-new-tokens", "7", "--temperature", "0.5",
                "--top-k", "3", "--top-p", "0.9", "--seed", "42", "--greedy", "--stop", "\n\n", "--stop", "END");
        GenerateCommand g = (GenerateCommand) pr.subcommand().commandSpec().userObject();
        assertEquals("héllo", g.prompt);
        assertEquals(7, g.sampling.maxNewTokens);
        assertEquals(0.5, g.sampling.temperature);
        assertEquals(3, g.sampling.topK);
        assertEquals(0.9, g.sampling.topP);
        assertEquals(42, g.sampling.seed);
        assertTrue(g.sampling.greedy);
        assertEquals(List.of("\n\n", "END"), g.sampling.stop);
    }

    @Test
    void prepareRefusesFewerThanOneThread() {
        for (String n : new String[] {"0", "-3"}) {
            Cli r = Cli.run("prepare", "--config", "/nonexistent/c.yaml", "--threads", n);
            assertEquals(1, r.code());
            assertTrue(r.err().contains("--threads must be at least 1, got " + n), r.err());
        }
    }

    @Test
    void missingRequiredOptionIsAUsageError() {
        Cli r = Cli.run("generate", "--prompt", "x");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--model"), r.err());
    }

    @Test
    void unknownBenchConfigNamesTheKnownOnes() {
        Cli r = Cli.run("bench", "--config", "huge", "--plugins", "/nonexistent");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("unknown bench config 'huge' (known: tiny, small, gpt2-124M, all; with --finetune also tinyllama-1.1B)"), r.err());
    }

    @Test
    void noSubcommandPrintsUsage() {
        Cli r = Cli.run();
        assertEquals(0, r.code());
        for (String c : List.of("plugins", "pretrain", "finetune", "generate", "eval", "export", "bench")) assertTrue(r.out().contains(c), c);
    }
}
