package dev.kiln.runtime.train;

import dev.kiln.api.config.Config;

/** The {@code train} section of a pipeline config, parsed strictly; model selection keys in {@link BestModelSettings}. */
public record TrainSettings(
        long steps, int batchSize, int seqLen, double lr, long warmup, String schedule, double minLrRatio,
        String optimizer, double weightDecay, double beta1, double beta2, double eps, double momentum,
        double gradClip, int gradAccum, int evalEvery, int evalBatches, int checkpointEvery, int keepCheckpoints,
        int logEvery, long seed, boolean gradientCheckpointing, boolean groupByLength, boolean allowConfigChange, boolean checkpointOnInterrupt, double lossSpikeFactor, BestModelSettings best) {

    public static TrainSettings fromConfig(Config c) {
        TrainSettings s = new TrainSettings(
                c.getLong("steps", 1000), c.getInt("batch_size", 16), c.getInt("seq_len", 128),
                c.getDouble("lr", 1e-3), c.getLong("warmup", 0),
                c.getChoice("schedule", "cosine", "cosine", "linear", "constant"),
                c.getDouble("min_lr_ratio", 0.1),
                c.getChoice("optimizer", "adamw", "adamw", "adamw8bit", "sgd", "lomo"),
                c.getDouble("weight_decay", 0.1), c.getDouble("beta1", 0.9), c.getDouble("beta2", 0.95),
                c.getDouble("eps", 1e-8), c.getDouble("momentum", 0.9),
                c.getDouble("grad_clip", 1.0), c.getInt("grad_accum", 1),
                c.getInt("eval_every", 100), c.getInt("eval_batches", 20),
                c.getInt("checkpoint_every", 0), c.getInt("keep_checkpoints", 2),
                c.getInt("log_every", 10), c.getLong("seed", 1234), c.getBoolean("gradient_checkpointing", false),
                c.getBoolean("group_by_length", false), c.getBoolean("allow_config_change", false),
                c.getBoolean("checkpoint_on_interrupt", true), c.getDouble("loss_spike_factor", 3.0),
                BestModelSettings.fromConfig(c));
        c.finish();
        s.checkRanges(c);
        if (s.optimizer.equals("lomo") && s.gradAccum > 1)
            throw c.error("grad_accum", "must be 1 with optimizer lomo: LOMO applies each micro-batch's gradient at once and keeps none to accumulate");
        return s;
    }

    /** Each key in the range PyTorch's constructors accept, or an error naming the key, the rule and the value. */
    private void checkRanges(Config c) {
        require(c, "steps", steps >= 0, ">= 0", steps);
        require(c, "batch_size", batchSize >= 1, ">= 1", batchSize);
        require(c, "seq_len", seqLen >= 1, ">= 1", seqLen);
        require(c, "grad_accum", gradAccum >= 1, ">= 1", gradAccum);
        require(c, "lr", lr > 0 && Double.isFinite(lr), "> 0", lr);
        require(c, "warmup", warmup >= 0, ">= 0", warmup);
        require(c, "min_lr_ratio", minLrRatio >= 0 && minLrRatio <= 1, "in [0, 1]", minLrRatio);
        require(c, "weight_decay", weightDecay >= 0, ">= 0", weightDecay);
        require(c, "beta1", beta1 >= 0 && beta1 < 1, "in [0, 1)", beta1);
        require(c, "beta2", beta2 >= 0 && beta2 < 1, "in [0, 1)", beta2);
        require(c, "eps", eps > 0, "> 0", eps);
        require(c, "momentum", momentum >= 0, ">= 0", momentum);
        require(c, "grad_clip", gradClip >= 0, ">= 0 (0 = no clipping)", gradClip);
        require(c, "eval_every", evalEvery >= 0, ">= 0 (0 = no evaluation)", evalEvery);
        require(c, "eval_batches", evalBatches >= 0, ">= 0 (0 = the whole validation split)", evalBatches);
        require(c, "checkpoint_every", checkpointEvery >= 0, ">= 0", checkpointEvery);
        require(c, "keep_checkpoints", keepCheckpoints >= 0, ">= 0", keepCheckpoints);
        require(c, "log_every", logEvery >= 0, ">= 0", logEvery);
        require(c, "loss_spike_factor", lossSpikeFactor == 0 || lossSpikeFactor > 1, "> 1 (or 0 = only a finite loss counts)", lossSpikeFactor);
    }

    private static void require(Config c, String key, boolean ok, String rule, Object value) {
        if (!ok) throw c.error(key, "must be " + rule + ", got " + value);
    }

    /** Learning rate at a step: linear warmup, then cosine / linear decay to min_lr_ratio·lr, or constant. */
    public double learningRate(long step) {
        if (warmup > 0 && step < warmup) return lr * (step + 1) / warmup;
        if (schedule.equals("constant") || steps <= warmup) return lr;
        double progress = Math.min(1.0, (double) (step - warmup) / Math.max(1, steps - warmup));
        double min = lr * minLrRatio;
        double shape = schedule.equals("cosine") ? 0.5 * (1 + Math.cos(Math.PI * progress)) : 1 - progress;
        return min + (lr - min) * shape;
    }
}
