package dev.kiln.api.io;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A safetensors file (or sharded index) that is malformed, truncated, or does not hold what was
 * asked of it. The message always names the file and, where one is involved, the tensor.
 */
public class SafetensorsException extends IOException {
    private static final long serialVersionUID = 1L;

    public SafetensorsException(String message) {
        super(message);
    }

    public SafetensorsException(String message, Throwable cause) {
        super(message, cause);
    }

    static SafetensorsException of(Path file, String what) {
        return new SafetensorsException(file + ": " + what);
    }

    static SafetensorsException of(Path file, String tensor, String what) {
        return new SafetensorsException(file + ": tensor '" + tensor + "': " + what);
    }
}
