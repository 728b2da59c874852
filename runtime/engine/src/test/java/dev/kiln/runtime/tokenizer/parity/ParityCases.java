package dev.kiln.runtime.tokenizer.parity;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Every case of the suite (each file × text set × add_special_tokens false / true × encode / decode), all run by
 * the default build ({@link TokenizerParityTest}, tag parity). Never weaken the check to get a case in.
 */
final class ParityCases {
    private ParityCases() {}

    /** File by file (the runner keeps one file's tokenizers loaded at a time). */
    static List<ParityCase> all() {
        List<ParityCase> out = new ArrayList<>();
        for (ParityFile f : ParityFiles.all())
            for (String set : TextSets.NAMES)
                for (boolean add : new boolean[] {false, true})
                    for (boolean decode : new boolean[] {false, true}) out.add(new ParityCase(f, set, add, decode));
        return out;
    }

    static Stream<ParityCase> cases() {
        return all().stream();
    }
}
