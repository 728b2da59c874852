package dev.kiln.runtime.tokenizer.parity;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

/**
 * Kiln's tokenizers against Hugging Face's Rust tokenizers on real files: the cases Kiln passes
 * today (all of {@link ParityCases}), run by the default build. Inputs: {@link ParityEnv}.
 */
@Tag("parity")
class TokenizerParityTest {

    static Stream<ParityCase> cases() {
        return ParityCases.cases();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void kilnMatchesHuggingFace(ParityCase c) {
        ParityRun.check(c);
    }
}
