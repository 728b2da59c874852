package dev.kiln.api.io;

import java.util.Arrays;
import java.util.Optional;

/**
 * The element types a safetensors file may declare, with their size in bytes. Names match the
 * reference implementation ({@code "F32"}, {@code "BF16"}, ...). How each type is read:
 * floating types through {@link SafetensorsFile#floats}, integer and {@code BOOL} types through
 * {@link SafetensorsFile#ints} or {@link SafetensorsFile#longs}.
 */
public enum DType {
    BOOL(1, Kind.BOOL),
    U8(1, Kind.INTEGER),
    I8(1, Kind.INTEGER),
    F8_E5M2(1, Kind.FLOAT),
    F8_E4M3(1, Kind.FLOAT),
    I16(2, Kind.INTEGER),
    U16(2, Kind.INTEGER),
    F16(2, Kind.FLOAT),
    BF16(2, Kind.FLOAT),
    I32(4, Kind.INTEGER),
    U32(4, Kind.INTEGER),
    F32(4, Kind.FLOAT),
    F64(8, Kind.FLOAT),
    I64(8, Kind.INTEGER),
    U64(8, Kind.INTEGER);

    /** What an element of the type means. */
    public enum Kind { FLOAT, INTEGER, BOOL }

    private final int byteSize;
    private final Kind kind;

    DType(int byteSize, Kind kind) {
        this.byteSize = byteSize;
        this.kind = kind;
    }

    /** Bytes per element. */
    public int byteSize() { return byteSize; }

    public Kind kind() { return kind; }

    public boolean isFloating() { return kind == Kind.FLOAT; }

    /** The type for a header name such as {@code "BF16"}; empty when the name is not a known type. */
    public static Optional<DType> parse(String name) {
        for (DType d : values()) if (d.name().equals(name)) return Optional.of(d);
        return Optional.empty();
    }

    /** The known names, for error messages. */
    public static String knownNames() {
        return String.join(", ", Arrays.stream(values()).map(Enum::name).toList());
    }
}
