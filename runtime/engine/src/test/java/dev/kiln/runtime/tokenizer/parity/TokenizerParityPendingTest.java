package dev.kiln.runtime.tokenizer.parity;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

/**
 * The parity cases Kiln does not pass yet ({@link ParityCases#PENDING}): same
 * check as {@link TokenizerParityTest}, tag parity-pending, left out of the default build. Run them:
 * {@code mvn -B -o test -pl runtime/engine -am -Dsurefire.failIfNoSpecifiedTests=false
 * -Dtest='dev.kiln.runtime.tokenizer.parity.**' -Dkiln.parity.excluded=none}. A file Kiln cannot
 * load fails each of its cases with Kiln's refusal.
 */
@Tag("parity-pending")
class TokenizerParityPendingTest {

    static Stream<ParityCase> cases() {
        return ParityCases.pending();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void kilnMatchesHuggingFace(ParityCase c) {
        ParityRun.check(c);
    }
}
