package dev.kiln.cli;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where the CLI looks for plugin folders: the built-ins first ({@code $KILN_HOME/plugins}, else
 * {@code ./plugins}), then every folder of {@code $KILN_PLUGINS}, then every folder of
 * {@code --plugins} (both {@value File#pathSeparator}-separated; the flag may be repeated). The
 * path only adds: naming a folder never hides the built-ins. A folder the user named that does not
 * exist is an error naming it and who named it; the default {@code ./plugins} may be absent. A
 * folder named twice is scanned once.
 */
final class PluginPath {
    private PluginPath() {}

    /**
     * @param flags the {@code --plugins} values, each possibly {@code A:B}
     * @param env   the environment ({@code KILN_HOME}, {@code KILN_PLUGINS})
     * @throws IllegalArgumentException naming a folder that does not exist, or is a file
     */
    static List<Path> resolve(List<String> flags, Map<String, String> env) {
        Map<Path, Path> folders = new LinkedHashMap<>();   // real path → as given
        String home = env.get(KilnCli.ENV_HOME);
        if (home != null && !home.isBlank()) add(folders, Path.of(home, "plugins"), KilnCli.ENV_HOME + "=" + home + " (its built-in plugins)");
        else if (Files.isDirectory(Path.of("plugins"))) add(folders, Path.of("plugins"), "the default");
        for (String dir : split(env.get(KilnCli.ENV_PLUGINS))) add(folders, Path.of(dir), KilnCli.ENV_PLUGINS);
        for (String flag : flags == null ? List.<String>of() : flags) {
            for (String dir : split(flag)) add(folders, Path.of(dir), "--plugins");
        }
        return List.copyOf(folders.values());
    }

    private static void add(Map<Path, Path> folders, Path dir, String namedBy) {
        if (!Files.exists(dir)) {
            throw new IllegalArgumentException("plugin folder " + dir.toAbsolutePath() + " (named by " + namedBy
                    + ") does not exist");
        }
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("plugin folder " + dir.toAbsolutePath() + " (named by " + namedBy
                    + ") is a file: expected a folder laid out as <id>/*.jar");
        }
        Path key;
        try {
            key = dir.toRealPath();
        } catch (IOException e) {
            key = dir.toAbsolutePath().normalize();
        }
        folders.putIfAbsent(key, dir);
    }

    private static List<String> split(String value) {
        List<String> parts = new ArrayList<>();
        if (value == null) return parts;
        for (String part : value.split(File.pathSeparator)) {
            if (!part.isBlank()) parts.add(part.trim());
        }
        return parts;
    }
}
