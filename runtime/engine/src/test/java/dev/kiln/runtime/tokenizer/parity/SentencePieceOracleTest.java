package dev.kiln.runtime.tokenizer.parity;

import dev.kiln.runtime.tokenizer.HfTokenizer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Unigram files against the library that trained them: {@code spm-ids.tsv} (written by
 * make-unigram.py) holds SentencePiece's own ids for the first lines of tinyshakespeare, and Kiln's
 * encoding of the converted tokenizer.json must give the same ids. A second oracle beside the HF Rust
 * one of {@link TokenizerParityTest}, independent of the tokenizer.json layout.
 */
@Tag("parity")
class SentencePieceOracleTest {

    @ParameterizedTest
    @ValueSource(strings = {"unigram", "unigram-bf"})
    void kilnMatchesSentencePiece(String name) throws IOException {
        ParityFile file = ParityFiles.named(name);
        Path tsv = file.requireDir().resolve("spm-ids.tsv");
        ParityEnv.require(Files.isRegularFile(tsv), tsv + " not found: run " + ParityEnv.FETCH);
        HfTokenizer kiln = (HfTokenizer) file.loadKiln();
        List<String> rows = Files.readAllLines(tsv, StandardCharsets.UTF_8);
        assertTrue(rows.size() >= 1000, tsv + " has only " + rows.size() + " rows");
        List<Integer> bad = new ArrayList<>();
        String first = null;
        for (int i = 0; i < rows.size(); i++) {
            int tab = rows.get(i).indexOf('\t');
            String idsText = rows.get(i).substring(0, tab), line = rows.get(i).substring(tab + 1);
            int[] want = idsText.isEmpty() ? new int[0] : Arrays.stream(idsText.split(" ")).mapToInt(Integer::parseInt).toArray();
            int[] got = kiln.encode(line, false);
            if (!Arrays.equals(want, got)) {
                bad.add(i + 1);
                if (first == null) first = "line " + (i + 1) + " '" + line + "': SentencePiece " + Arrays.toString(want) + ", Kiln " + Arrays.toString(got);
            }
        }
        System.out.println("[tokenizer-parity] " + name + "/sentencepiece: " + (rows.size() - bad.size()) + "/" + rows.size() + " lines identical");
        assertEquals(List.of(), bad, first);
    }
}
