package dev.kiln.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;

/**
 * A vector carried round a loop (a running sum, max or column sum), as C2 must see it: of its exact class. C2 types
 * such a loop variable as the abstract {@code FloatVector} and resolves the calls made on it ({@code add}, {@code max},
 * {@code lane}) from the receiver types C1 recorded; where none were recorded (C1 compiled the method at tier 2, which
 * keeps no profile, and C2 compiled its caller before tier 3 did) the call stays virtual and every vector of the loop
 * is boxed, for the rest of the run: C2 has no reason to compile it again. {@code Class.cast} against this constant
 * class is an intrinsic, one class compare, after which C2 knows the exact type without a profile. Written out at each
 * use, {@code ExactVector.CLASS.cast(acc)}, not behind a method: a method is an ordinary inlining decision, and in a
 * kernel as large as attention's softmax C2 reached its node budget ({@code NodeCountInliningCutoff}) and called it,
 * which boxed the vector once more; an intrinsic is always expanded.
 * <p>
 * The same holds for a vector that C2 types only after an intrinsic it expands late, where the profile it falls back
 * on holds two classes: in a JVM whose other code used the Vector API at another shape, C2 inlined such a call for
 * both and boxed the vector where they merged. The kernels that met this ({@link VectorPanels}, exp, GELU-erf, AdamW,
 * LayerNorm's gamma gradient, and {@link VectorMicroKernel} and tanh-GELU, SiLU and the cross-entropy gradient where
 * C2 runs without {@code ./kiln}'s JIT flags) cast every loaded and intermediate vector, as every loop of
 * {@link VectorLanes} now does ({@code OtherVectorShapesTest}); on a vector C2 has typed already, the cast folds away.
 */
final class ExactVector {
    static final Class<? extends FloatVector> CLASS = FloatVector.zero(FloatVector.SPECIES_PREFERRED).getClass();
    /** The class of {@link #CLASS}'s lanes reinterpreted as ints (exp's exponent arithmetic). */
    static final Class<? extends IntVector> INTS = FloatVector.zero(FloatVector.SPECIES_PREFERRED).reinterpretAsInts().getClass();

    private ExactVector() {}
}
