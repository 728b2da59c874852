package dev.kiln.runtime.hf;

import java.io.IOException;

/**
 * A Hugging Face model directory that Kiln cannot read or a model it cannot write in the asked
 * layout: unknown architecture, a config.json key out of range, tensors missing / unexpected /
 * of the wrong shape. The message names the file and the key or tensor.
 */
public class HfCheckpointException extends IOException {
    private static final long serialVersionUID = 1L;

    public HfCheckpointException(String message) {
        super(message);
    }

    public HfCheckpointException(String message, Throwable cause) {
        super(message, cause);
    }
}
