package dev.kiln.runtime.plugin;

import dev.kiln.api.plugin.ApiVersion;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.TreeSet;

/**
 * The optional descriptor {@value #FILE_NAME} at the root of a plugin folder, parsed strictly
 * (OpenSearch {@code PluginInfo.readFromProperties} style): an unknown key is an error that
 * names the known ones. It lets Kiln refuse a plugin built for another API version before
 * loading any of its classes.
 *
 * <pre>
 * kiln.api.version=1.0      # required: the plugin API the jars were built against
 * id=my-objective           # optional: must equal the folder name
 * version=0.3.1             # optional: used when the factories report no version of their own
 * description=...           # optional
 * </pre>
 */
public record PluginDescriptor(String id, String version, String description, String apiVersion) {
    public static final String FILE_NAME = "kiln-plugin.properties";
    static final String KEY_API = "kiln.api.version";
    static final List<String> KNOWN_KEYS = List.of("description", "id", KEY_API, "version");

    /** Reads {@code folder/kiln-plugin.properties}; a malformed file is a {@link PluginException}. */
    public static PluginDescriptor read(Path file, String folderId) {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (IOException | IllegalArgumentException e) {
            throw new PluginException(file.toString(), "cannot read plugin descriptor: " + e.getMessage());
        }
        TreeSet<String> unknown = new TreeSet<>(p.stringPropertyNames());
        unknown.removeAll(KNOWN_KEYS);
        if (!unknown.isEmpty()) {
            throw new PluginException(file.toString(), "unknown key" + (unknown.size() > 1 ? "s " : " ")
                    + String.join(", ", unknown.stream().map(k -> "'" + k + "'").toList())
                    + " (known: " + String.join(", ", KNOWN_KEYS) + ")");
        }
        String api = blankToNull(p.getProperty(KEY_API));
        if (api == null) {
            throw new PluginException(file.toString(), "key '" + KEY_API + "' is required (the plugin API version"
                    + " the jars were built against, e.g. " + ApiVersion.CURRENT + ")");
        }
        try {
            ApiVersion.parse(api);
        } catch (IllegalArgumentException e) {
            throw new PluginException(file.toString(), "key '" + KEY_API + "': " + e.getMessage());
        }
        String id = blankToNull(p.getProperty("id"));
        if (id != null && !id.equals(folderId)) {
            throw new PluginException(file.toString(), "key 'id' is '" + id + "' but the plugin folder is '"
                    + folderId + "': they must be equal");
        }
        return new PluginDescriptor(id == null ? folderId : id, blankToNull(p.getProperty("version")),
                blankToNull(p.getProperty("description")), api);
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }
}
