package dev.kiln.backend.cpu;

import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The JIT hints in {@code ./kiln} and in the root pom's {@code kiln.jit.flags} name backend methods by pattern
 * ({@code Class::method}, {@code *} at either end). HotSpot ignores a pattern that matches nothing, quietly:
 * a renamed kernel would lose its hint (its inlining, its early compile) with every test still green. Each
 * pattern must still match a method of this module.
 */
class LauncherCompileCommandsTest {
    private static final Pattern HINT = Pattern.compile("dev\\.kiln\\.backend\\.cpu\\.([A-Za-z0-9_$]+)::([A-Za-z0-9_$*]+)");

    @Test
    void everyBackendMethodPatternInTheLauncherAndThePomNamesAMethod() throws Exception {
        Path root = repositoryRoot();
        List<String> checked = new ArrayList<>();
        for (Path file : List.of(root.resolve("kiln"), root.resolve("pom.xml"))) {
            Matcher m = HINT.matcher(Files.readString(file));
            while (m.find()) {
                String type = m.group(1), method = m.group(2);
                Class<?> c = Class.forName("dev.kiln.backend.cpu." + type);
                assertTrue(Arrays.stream(c.getDeclaredMethods()).map(Method::getName).anyMatch(n -> matches(method, n)),
                        file.getFileName() + ": " + m.group() + " names no method of " + c.getName());
                checked.add(file.getFileName() + " " + m.group());
            }
        }
        // ./kiln: 5 inline + 9 early-compile hints (the package-wide BackgroundCompilation hint names no type); the
        // pom: the 5 inline hints
        assertEquals(19, checked.size(), "hints found: " + checked);
    }

    // HotSpot's method patterns: a leading and / or trailing * matches any prefix / suffix
    static boolean matches(String pattern, String name) {
        if (pattern.equals("*")) return true;
        boolean head = pattern.startsWith("*"), tail = pattern.endsWith("*");
        String core = pattern.substring(head ? 1 : 0, pattern.length() - (tail ? 1 : 0));
        if (head && tail) return name.contains(core);
        if (head) return name.endsWith(core);
        if (tail) return name.startsWith(core);
        return name.equals(core);
    }

    @Test
    void patternsMatchAsHotSpotReadsThem() {
        assertTrue(matches("lambda*", "lambda$forward$1"));
        assertTrue(matches("*", "run"));
        assertTrue(matches("run", "run"));
        assertTrue(!matches("run", "runUnpacked") && !matches("lambda*", "forward"));
    }

    private static Path repositoryRoot() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent())
            if (Files.isRegularFile(p.resolve("kiln")) && Files.isRegularFile(p.resolve("pom.xml"))) return p;
        throw new IllegalStateException("no ./kiln above " + Path.of("").toAbsolutePath());
    }
}
