package dev.kiln.runtime.tokenizer;

import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Test fixtures under src/test/resources/tokenizer/ and the development data in ../shared. */
final class Fixtures {
    private Fixtures() {}

    /** One reference encoding. */
    record Case(String text, int[] ids) {}

    static Path resource(String name) {
        URL url = Fixtures.class.getResource("/tokenizer/" + name);
        if (url == null) throw new IllegalStateException("missing test resource tokenizer/" + name);
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The cases of a reference file written by src/test/fixtures/tokenizer/reference.js. */
    static List<Case> reference(Path file) throws IOException {
        Map<String, Object> json = HfJson.readObject(file);
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> cases = (List<Map<String, Object>>) json.get("cases");
        return cases.stream().map(c -> {
            @SuppressWarnings("unchecked")
            List<Long> ids = (List<Long>) c.get("ids");
            return new Case((String) c.get("text"), ids.stream().mapToInt(Long::intValue).toArray());
        }).toList();
    }

    /** {@code shared/data/NAME} in an ancestor of the working directory (the clone's sibling), if present. */
    static Optional<Path> sharedData(String name) {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path candidate = p.resolve("shared").resolve("data").resolve(name);
            if (Files.isDirectory(candidate)) return Optional.of(candidate);
        }
        return Optional.empty();
    }
}
