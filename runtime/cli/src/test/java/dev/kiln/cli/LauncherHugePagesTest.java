package dev.kiln.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code ./kiln} asks for transparent huge pages where the kernel hands them out on request, and leaves the choice to
 * the user's options or to a kernel that has them off ({@link LauncherStub}: the real launcher, a stub java).
 */
class LauncherHugePagesTest {
    private static final String THP = "-XX:+UseTransparentHugePages";

    @TempDir
    Path dir;

    @Test
    void addedWhenTheKernelGivesHugePagesOnRequest() throws Exception {
        assertTrue(javaOptions("always [madvise] never", "").contains(THP));
    }

    @Test
    void addedWhenTheKernelGivesThemAlways() throws Exception {
        assertTrue(javaOptions("[always] madvise never", "").contains(THP));
    }

    @Test
    void notAddedWhereTheKernelHasThemOff() throws Exception {
        assertFalse(javaOptions("always madvise [never]", "").contains(THP));
    }

    @Test
    void theUsersChoiceIsKept() throws Exception {
        List<String> off = javaOptions("always [madvise] never", "-XX:-UseTransparentHugePages");
        assertEquals(1, off.stream().filter(o -> o.contains("TransparentHugePages")).count(), off.toString());
        assertTrue(off.contains("-XX:-UseTransparentHugePages"), off.toString());
        assertFalse(javaOptions("always [madvise] never", "-XX:+UseLargePages").contains(THP));
    }

    private List<String> javaOptions(String mode, String userOptions) throws Exception {
        return LauncherStub.run(dir, mode, Map.of("KILN_JAVA_OPTS", userOptions)).options();
    }
}
