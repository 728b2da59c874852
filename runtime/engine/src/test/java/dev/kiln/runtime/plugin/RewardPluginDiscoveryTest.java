package dev.kiln.runtime.plugin;

import com.google.inject.Injector;
import dev.kiln.api.config.Config;
import dev.kiln.api.plugin.ApiVersion;
import dev.kiln.api.plugin.PluginKind;
import dev.kiln.api.reward.Completion;
import dev.kiln.api.reward.RewardFunctionFactory;
import dev.kiln.runtime.guice.Kiln;
import dev.kiln.runtime.guice.KilnOptions;
import dev.kiln.runtime.guice.KilnPlugins;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Reward-function plugins (kind "reward") are discovered, listed, bound and refused on a duplicate name like the other kinds. */
class RewardPluginDiscoveryTest {
    @TempDir
    Path tmp;

    /** A reward factory named {@code name} whose reward scores every completion {@code value}. */
    static PluginJars rewardJar(String pkg, String name, double value) {
        return PluginJars.jar().source(pkg + ".Factory", "package " + pkg + ";\n"
                        + "public class Factory implements dev.kiln.api.reward.RewardFunctionFactory {\n"
                        + "  public String name() { return \"" + name + "\"; }\n"
                        + "  public String apiVersion() { return \"" + ApiVersion.CURRENT + "\"; }\n"
                        + "  public dev.kiln.api.reward.RewardFunction create(dev.kiln.api.config.Config c, dev.kiln.api.reward.RewardContext x) {\n"
                        + "    c.finish();\n"
                        + "    return new dev.kiln.api.reward.RewardFunction() {\n"
                        + "      public String name() { return \"" + name + "\"; }\n"
                        + "      public double[] score(java.util.List<dev.kiln.api.reward.Completion> cs) {\n"
                        + "        double[] out = new double[cs.size()]; java.util.Arrays.fill(out, " + value + "); return out; }\n"
                        + "    };\n"
                        + "  }\n"
                        + "}\n")
                .service("dev.kiln.api.reward.RewardFunctionFactory", pkg + ".Factory");
    }

    @Test
    void aRewardJarIsDiscoveredListedAndBoundByName() throws Exception {
        Path plugins = tmp.resolve("plugins");
        Path jar = rewardJar("acme", "test-const", 0.5).writeTo(plugins.resolve("const/const.jar"));
        try (PluginRegistry registry = new PluginDiscovery(getClass().getClassLoader(), plugins).withoutClasspath().discover()) {
            assertEquals(List.of(), registry.problems());
            DiscoveredPlugin p = registry.find(PluginKind.REWARD, "test-const").orElseThrow();
            assertEquals(jar.toString(), p.source());
            String line = new PluginListing(registry).render().lines().filter(l -> l.contains("test-const")).findFirst().orElseThrow();
            assertTrue(line.startsWith("reward"), line);
        }
        Injector injector = Kiln.injector(KilnOptions.defaults().withPluginDir(plugins).withEnv(Map.of()));
        try (PluginRegistry registry = injector.getInstance(PluginRegistry.class)) {
            RewardFunctionFactory f = injector.getInstance(KilnPlugins.class).reward("test-const");
            var reward = f.create(new Config("rewards[0]", Map.of()), null);
            assertArrayEquals(new double[] {0.5}, reward.score(List.of(new Completion("p", "c", new int[] {1}, new int[] {2}, true))), 0);
            var e = assertThrows(IllegalArgumentException.class, () -> injector.getInstance(KilnPlugins.class).reward("nope"));
            assertTrue(e.getMessage().contains("unknown reward function 'nope'") && e.getMessage().contains("test-const"), e.getMessage());
        }
    }

    @Test
    void aRewardNameTwoJarsShareIsAWarningNamingBothAndRefusedWhenUsed() throws Exception {
        Path plugins = tmp.resolve("plugins");
        Path one = rewardJar("one", "test-dup", 1).writeTo(plugins.resolve("one/one.jar"));
        Path two = rewardJar("two", "test-dup", 2).writeTo(plugins.resolve("two/two.jar"));
        ByteArrayOutputStream warnings = new ByteArrayOutputStream();
        Injector injector = Kiln.injector(KilnOptions.defaults().withPluginDir(plugins).withEnv(Map.of())
                .withWarnings(new PrintStream(warnings, true, StandardCharsets.UTF_8)));
        try (PluginRegistry registry = injector.getInstance(PluginRegistry.class)) {
            String printed = warnings.toString(StandardCharsets.UTF_8);
            assertTrue(printed.contains("reward plugin name 'test-dup'") && printed.contains(one.toString()) && printed.contains(two.toString()), printed);
            RewardFunctionFactory f = injector.getInstance(KilnPlugins.class).reward("test-dup");
            PluginException e = assertThrows(PluginException.class, () -> f.create(new Config("rewards[0]", Map.of()), null));
            assertTrue(e.getMessage().contains(one.toString()) && e.getMessage().contains(two.toString()), e.getMessage());
        }
    }
}
