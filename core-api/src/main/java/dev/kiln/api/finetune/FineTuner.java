package dev.kiln.api.finetune;

/** Placeholder while the SPI is being written; replaced in the same change. */
public interface FineTuner {
}
