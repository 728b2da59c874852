package dev.kiln.api.io;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/**
 * Read access to named tensors stored on disk: one safetensors file ({@link SafetensorsFile}) or a
 * sharded checkpoint ({@link ShardedSafetensors}). Tensors are decoded only when asked for.
 * Every failure is a {@link SafetensorsException} naming the file and the tensor.
 */
public interface TensorSource extends Closeable {

    /** Tensor names, in a stable order. */
    Set<String> names();

    default boolean contains(String name) {
        return names().contains(name);
    }

    /** Dtype, shape and location of a tensor; an unknown name is an error. */
    TensorInfo info(String name) throws SafetensorsException;

    /** String metadata ({@code __metadata__}, or the index's {@code metadata} for shards). */
    Map<String, String> metadata();

    /** A floating tensor (F32, F16, BF16, F64, F8_*) as floats; F64 is narrowed. */
    float[] floats(String name) throws IOException;

    /** A floating tensor as doubles (exact for every floating dtype). */
    double[] doubles(String name) throws IOException;

    /** An integer or BOOL tensor as ints; 64-bit and U32 values must fit an int. */
    int[] ints(String name) throws IOException;

    /** An integer or BOOL tensor as longs; U64 values must fit a signed long. */
    long[] longs(String name) throws IOException;

    /** The raw little-endian bytes of any tensor. */
    byte[] bytes(String name) throws IOException;

    /** A floating tensor with its shape. */
    default NamedTensor tensor(String name) throws IOException {
        int[] shape;
        try {
            shape = info(name).intShape();
        } catch (ArithmeticException e) {
            throw new SafetensorsException(e.getMessage(), e);
        }
        return new NamedTensor(name, shape, floats(name));
    }

    /**
     * Opens a model: a {@code .safetensors} file, a {@code *.index.json} shard index, or a
     * directory holding {@code model.safetensors.index.json} or {@code model.safetensors}.
     */
    static TensorSource open(Path path) throws IOException {
        Path p = path;
        if (Files.isDirectory(p)) {
            Path index = p.resolve(ShardedSafetensors.DEFAULT_INDEX);
            Path single = p.resolve("model.safetensors");
            if (Files.isRegularFile(index)) p = index;
            else if (Files.isRegularFile(single)) p = single;
            else throw SafetensorsException.of(path, "directory holds neither " + ShardedSafetensors.DEFAULT_INDEX + " nor model.safetensors");
        }
        return p.getFileName().toString().endsWith(".json") ? ShardedSafetensors.open(p) : SafetensorsFile.open(p);
    }
}
