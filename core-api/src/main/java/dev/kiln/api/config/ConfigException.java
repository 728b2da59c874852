package dev.kiln.api.config;

/** A configuration error whose message names the section and key at fault and what was expected. */
public class ConfigException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public ConfigException(String message) {
        super(message);
    }
}
