package dev.kiln.objective.nsp;

/**
 * The parsed {@code nsp} config (see {@link NspObjectiveFactory} for keys and defaults).
 *
 * @param nextProb share of pairs whose B is the actual next sentence (label 0, "IsNext");
 *                 the others take B from another document (label 1, "NotNext")
 */
public record NspSettings(double nextProb, boolean shuffle, boolean dropLast) {
    public static NspSettings defaults() {
        return new NspSettings(0.5, true, false);
    }
}
