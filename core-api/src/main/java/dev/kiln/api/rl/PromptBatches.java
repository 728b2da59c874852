package dev.kiln.api.rl;

import dev.kiln.api.completion.CompletionFormat;
import dev.kiln.api.completion.CompletionRows;
import dev.kiln.api.completion.PieceEncoder;
import dev.kiln.api.data.Batch;
import dev.kiln.api.data.Batches;
import dev.kiln.api.data.Dataset;
import dev.kiln.api.data.Example;
import dev.kiln.api.objective.ExampleBatches;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Batches of prompt-only rows for online RL: each row's {@code prompt} field (text as it is, or
 * messages rendered with the chat template and its generation prompt) tokenized and cut to
 * {@code maxPromptLength} from the left (its end is what a completion continues). A batch holds
 * {@code prompt_ids} [P, W] (right-padded), {@code prompt_lengths} [P], {@code prompt_positions} [P] (each
 * prompt's place in the batch, which seeds its samples, so a data-parallel worker holding some of the prompts
 * samples what plain training samples for them) and the batch's sampling {@code seed}.
 */
public final class PromptBatches {
    private final CompletionFormat format;
    private final CompletionRows rows;
    private final PieceEncoder encoder;
    private final int maxPromptLength;

    /** The prompts of one batch, their places in the whole batch and the seed to sample them with. */
    public record Prompts(int[][] ids, int[] positions, long seed) {}

    public PromptBatches(CompletionFormat format, Tokenizer tokenizer, int maxPromptLength) {
        this.format = format;
        this.rows = new CompletionRows(format, tokenizer);
        this.encoder = new PieceEncoder(tokenizer);
        this.maxPromptLength = maxPromptLength;
    }

    /** One pass over {@code data}, {@code batchSize} prompts a batch. */
    public Batches batches(Dataset data, int batchSize, boolean shuffle, long seed) {
        return ExampleBatches.of(data, batchSize, shuffle, false, seed, (examples, indices, rng) -> {
            List<int[]> prompts = new ArrayList<>(examples.size());
            int width = 1;
            long tokens = 0;
            for (Example ex : examples) {
                int[] ids = prompt(ex);
                prompts.add(ids);
                width = Math.max(width, ids.length);
                tokens += ids.length;
            }
            int[] packed = new int[prompts.size() * width], lengths = new int[prompts.size()], positions = new int[prompts.size()];
            for (int i = 0; i < prompts.size(); i++) {
                System.arraycopy(prompts.get(i), 0, packed, i * width, prompts.get(i).length);
                lengths[i] = prompts.get(i).length;
                positions[i] = i;
            }
            long s = rng.nextLong();
            return new Batch().put("prompt_ids", new IntTensor(packed, prompts.size(), width))       // [P, W] right-padded
                    .put("prompt_lengths", new IntTensor(lengths, prompts.size()))                       // [P]
                    .put("prompt_positions", new IntTensor(positions, prompts.size()))                   // [P]
                    .putWhole("seed", new IntTensor(new int[] {(int) (s >>> 32), (int) s}, 2))
                    .tokens(tokens);
        });
    }

    /** A batch's prompts (unpadded), their places and seed. */
    public static Prompts prompts(Batch batch) {
        IntTensor packed = batch.ints("prompt_ids"), lengths = batch.ints("prompt_lengths"), positions = batch.intsOrNull("prompt_positions");
        int[] s = batch.ints("seed").data();
        int p = lengths.size(), width = packed.dim(1);
        int[][] ids = new int[p][];
        for (int i = 0; i < p; i++) ids[i] = Arrays.copyOfRange(packed.data(), i * width, i * width + lengths.data()[i]);
        int[] places = positions != null ? positions.data() : IntStream.range(0, p).toArray();
        return new Prompts(ids, places, ((long) s[0] << 32) | (s[1] & 0xffffffffL));
    }

    private int[] prompt(Example ex) {
        int[] ids = encoder.encode(rows.promptPieces(ex, format.promptField()), ex.source()).ids();
        if (ids.length == 0)
            throw new IllegalArgumentException(ex.source() + ": field '" + format.promptField() + "' gives an empty prompt (no tokens)");
        return maxPromptLength > 0 && ids.length > maxPromptLength ? Arrays.copyOfRange(ids, ids.length - maxPromptLength, ids.length) : ids;
    }
}
