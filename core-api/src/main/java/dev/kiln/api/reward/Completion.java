package dev.kiln.api.reward;

/**
 * One completion a reward scores, as TRL hands it to a reward function ({@code prompts},
 * {@code completions}, {@code completion_ids}): the prompt and the completion as text and as ids.
 * {@code promptIds} is what the policy saw (a chat template already applied); {@code ids} stops
 * before the end-of-sequence token, and {@code finished} says whether one was produced (false:
 * cut at the token limit).
 */
public record Completion(String prompt, String text, int[] promptIds, int[] ids, boolean finished) {
    public Completion {
        if (prompt == null || text == null || promptIds == null || ids == null)
            throw new IllegalArgumentException("a completion needs its prompt and completion text and ids (got a null)");
    }
}
