package dev.kiln.runtime.pipeline;

import java.nio.file.Path;
import java.util.Map;

/**
 * What a pipeline run reports: held-out metrics before and after this session, where the model
 * went, the final step, how many steps this session ran (fewer when it resumed a checkpoint), throughput.
 */
public record PipelineResult(Map<String, Double> initialEval, Map<String, Double> finalEval, Path modelDir,
                             long steps, long stepsRun, double seconds, double tokensPerSecond) {}
