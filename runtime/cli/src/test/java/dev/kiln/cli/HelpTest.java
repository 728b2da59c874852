package dev.kiln.cli;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class HelpTest {
    @ParameterizedTest
    @ValueSource(strings = {"plugins", "prepare", "pretrain", "finetune", "generate", "chat", "eval", "export", "report", "bench"})
    void helpMentionsEveryOption(String command) {
        Cli r = Cli.run(command, "--help");
        assertEquals(0, r.code(), r.err());
        CommandSpec spec = KilnCli.commandLine(Map.of(), new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()))
                .getSubcommands().get(command).getCommandSpec();
        for (OptionSpec o : spec.options()) {
            for (String name : o.names()) assertTrue(r.out().contains(name), command + " --help lacks " + name + ":\n" + r.out());
            assertTrue(o.description().length > 0 || o.usageHelp() || o.versionHelp(), command + " " + o.longestName() + " has no description");
        }
        for (PositionalParamSpec p : spec.positionalParameters())
            assertTrue(r.out().contains(p.paramLabel()), command + " --help lacks " + p.paramLabel());
        assertTrue(r.out().contains("--backend"), "global --backend is listed for " + command);
    }

    @ParameterizedTest
    @ValueSource(strings = {"plugins", "prepare", "pretrain", "finetune", "generate", "chat", "eval", "export", "report", "bench"})
    void helpSubcommandShowsTheSameUsage(String command) {
        assertEquals(Cli.run(command, "--help").out(), Cli.run("help", command).out());
    }

    @org.junit.jupiter.api.Test
    void anUnknownCommandIsAnErrorEvenWithHelp() {
        for (String[] args : new String[][] {{"foo", "--help"}, {"foo"}, {"--backend", "cpu", "traing", "--config", "x.yaml"}}) {
            Cli r = Cli.run(args);
            assertEquals(2, r.code(), String.join(" ", args));
            assertTrue(r.err().contains("unknown command '" + (args[0].equals("foo") ? "foo" : "traing") + "' (known: plugins, prepare, pretrain"),
                    r.err());
        }
        assertEquals(0, Cli.run("--help").code());
        assertEquals(0, Cli.run("--backend", "cpu", "help", "prepare").code());
    }

    @org.junit.jupiter.api.Test
    void versionNamesTheApi() {
        Cli r = Cli.run("--version");
        assertEquals(0, r.code());
        assertTrue(r.out().contains("plugin API"), r.out());
    }

    @org.junit.jupiter.api.Test
    void everyCommandHasADescription() {
        CommandLine cl = KilnCli.commandLine(Map.of(), new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()));
        cl.getSubcommands().forEach((name, sub) ->
                assertTrue(sub.getCommandSpec().usageMessage().description().length > 0, name));
    }
}
