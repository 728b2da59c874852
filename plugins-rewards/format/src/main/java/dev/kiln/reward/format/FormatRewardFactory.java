package dev.kiln.reward.format;

import dev.kiln.api.config.Config;
import dev.kiln.api.plugin.ApiVersion;
import dev.kiln.api.reward.Completion;
import dev.kiln.api.reward.RewardContext;
import dev.kiln.api.reward.RewardFunction;
import dev.kiln.api.reward.RewardFunctionFactory;

import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The {@code format} reward: 1.0 when the completion's text matches {@code pattern}, else 0.0 (TRL's
 * format-reward examples). Options (strict): {@code pattern} (required, a Java regular expression
 * searched for anywhere in the text: anchor it with {@code ^} and {@code $} to match the whole
 * completion; {@code .} matches line breaks too), {@code full_match} (false: true requires the whole
 * text to match). A pattern that does not compile is refused naming the key.
 */
public final class FormatRewardFactory implements RewardFunctionFactory {
    public static final String NAME = "format";

    @Override
    public String name() { return NAME; }

    @Override
    public String apiVersion() { return ApiVersion.CURRENT; }

    @Override
    public String description() { return "1 when the completion matches the regular expression 'pattern', else 0"; }

    @Override
    public RewardFunction create(Config options, RewardContext context) {
        String regex = options.getString("pattern", null);
        if (regex == null || regex.isEmpty()) throw options.error("pattern", "is required (a regular expression the completion should match)");
        boolean full = options.getBoolean("full_match", false);
        options.finish();
        Pattern pattern;
        try {
            pattern = Pattern.compile(regex, Pattern.DOTALL);
        } catch (PatternSyntaxException e) {
            throw options.error("pattern", "is not a valid regular expression: " + e.getDescription() + " near index " + e.getIndex()
                    + " of '" + regex + "'");
        }
        return new RewardFunction() {
            @Override
            public String name() { return NAME; }

            @Override
            public double[] score(List<Completion> completions) {
                double[] out = new double[completions.size()];
                for (int i = 0; i < out.length; i++) {
                    var m = pattern.matcher(completions.get(i).text());
                    out[i] = (full ? m.matches() : m.find()) ? 1.0 : 0.0;
                }
                return out;
            }
        };
    }
}
