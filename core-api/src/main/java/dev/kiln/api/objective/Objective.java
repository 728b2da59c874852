package dev.kiln.api.objective;

/** Placeholder while the SPI is being written; replaced in the same change. */
public interface Objective {
    String name();
}
