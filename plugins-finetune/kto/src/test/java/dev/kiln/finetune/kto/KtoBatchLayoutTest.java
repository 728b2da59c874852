package dev.kiln.finetune.kto;

import dev.kiln.api.data.Batch;
import dev.kiln.api.data.BatchRows;
import dev.kiln.api.tensor.IntTensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A kto batch is B examples then their B KL rows, every input 2B rows long, so a data-parallel worker's strided
 * share is again examples then their KL rows when the worker count divides B; when it does not, compute refuses.
 */
class KtoBatchLayoutTest {
    static final int KL = UnpairedExamples.KL_ROW;

    static Batch batch(int... labels) { return new Batch().put("labels", new IntTensor(labels, labels.length)); }

    @Test
    void aWorkersShareOfAnEvenSplitIsItsExamplesThenTheirKlRows() {
        Batch whole = batch(1, 0, 0, 1, KL, KL, KL, KL);                  // B = 4
        assertEquals(4, KtoObjective.examples(whole.ints("labels")));
        for (int r = 0; r < 2; r++) {
            IntTensor mine = BatchRows.strided(whole, r, 2).ints("labels");
            assertEquals(2, KtoObjective.examples(mine), "worker " + r);
            assertEquals(whole.ints("labels").get(r), mine.get(0));
            assertEquals(whole.ints("labels").get(r + 2), mine.get(1));
        }
    }

    @Test
    void aSplitThatMixesExamplesWithKlRowsIsRefusedNamingTheBatchSize() {
        Batch whole = batch(1, 0, 1, KL, KL, KL);                          // B = 3 over 2 workers: 6 rows split, halves misaligned
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> KtoObjective.examples(BatchRows.strided(whole, 0, 2).ints("labels")));
        assertTrue(e.getMessage().contains("multiple of the worker count"), e.getMessage());
    }
}
