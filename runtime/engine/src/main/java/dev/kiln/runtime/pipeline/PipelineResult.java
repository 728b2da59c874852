package dev.kiln.runtime.pipeline;

import java.nio.file.Path;
import java.util.Map;

/** What a pipeline run reports: held-out metrics before and after, where the model went, throughput. */
public record PipelineResult(Map<String, Double> initialEval, Map<String, Double> finalEval, Path modelDir,
                             long steps, double seconds, double tokensPerSecond) {}
