package dev.kiln.runtime.tokenizer.parity;

import dev.kiln.api.testing.RequiredInCi;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where the parity suite finds its inputs, and what it does when one is missing: the fetched
 * tokenizer files live in {@code $KILN_PARITY_DIR} (default {@code ~/.cache/kiln/tokenizer-parity},
 * filled by {@code runtime/engine/src/test/tokenizer-parity/fetch.sh}); GPT-2, all-MiniLM-L6-v2 and
 * tinyshakespeare are read in place from {@code shared/} beside the clone. A missing input skips the
 * test, except under CI ({@code CI=true}), where it fails: the suite must not go quiet there.
 */
final class ParityEnv {
    static final String DIR_ENV = "KILN_PARITY_DIR";
    static final String FETCH = "runtime/engine/src/test/tokenizer-parity/fetch.sh";

    private ParityEnv() {}

    /** The folder of the fetched tokenizer files (it may not exist yet). */
    static Path filesDir() {
        String env = System.getenv(DIR_ENV);
        if (env != null && !env.isBlank()) return Path.of(env);
        return Path.of(System.getProperty("user.home"), ".cache", "kiln", "tokenizer-parity");
    }

    /** {@code shared/<first>/<more...>} in an ancestor of the working directory (the clone's sibling), if present. */
    static Optional<Path> shared(String first, String... more) {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path candidate = p.resolve("shared").resolve(first);
            for (String m : more) candidate = candidate.resolve(m);
            if (Files.exists(candidate)) return Optional.of(candidate);
        }
        return Optional.empty();
    }

    /** Skips the test with {@code why} unless {@code ok}; under CI a failure instead ({@link RequiredInCi}). */
    static void require(boolean ok, String why) {
        RequiredInCi.require(ok, why);
    }
}
