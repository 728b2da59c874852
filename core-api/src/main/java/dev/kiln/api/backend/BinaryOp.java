package dev.kiln.api.backend;

/** Element-wise binary functions a backend evaluates with broadcasting. */
public enum BinaryOp {
    ADD, SUB, MUL, DIV,
    /** max(a, b) */
    MAXIMUM,
    /** 1 where a == b, else 0 */
    EQ;

    /** The scalar definition every backend must match. */
    public float apply(float a, float b) {
        switch (this) {
            case ADD: return a + b;
            case SUB: return a - b;
            case MUL: return a * b;
            case DIV: return a / b;
            case MAXIMUM: return Math.max(a, b);
            case EQ: return a == b ? 1f : 0f;
            default: throw new AssertionError(this);
        }
    }
}
