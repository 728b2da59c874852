package dev.kiln.runtime.pipeline;

import java.nio.file.Path;
import java.util.Map;

/**
 * What a pipeline run reports: held-out metrics before and after this session (after = the
 * selected best evaluation when the run loads its best model), the test split's metrics (empty
 * without one), where the model went, the final step, how many steps this session ran (fewer when
 * it resumed a checkpoint), throughput, and the whole report as written to {@code report.json}.
 */
public record PipelineResult(Map<String, Double> initialEval, Map<String, Double> finalEval, Map<String, Double> testEval,
                             Path modelDir, long steps, long stepsRun, double seconds, double tokensPerSecond,
                             Map<String, Object> report) {}
