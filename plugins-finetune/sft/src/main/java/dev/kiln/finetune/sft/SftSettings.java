package dev.kiln.finetune.sft;

import java.util.List;

/**
 * The parsed {@code sft} config. {@code labels} is the fixed label-name list (index = class id)
 * or empty to map names in order of first appearance; {@code numLabels} is the head's width
 * (1 for regression).
 */
record SftSettings(String task, String pooler, int numLabels, List<String> labels,
                   String textField, String pairField, String labelField, boolean shuffle) {

    boolean regression() { return task.equals("regression"); }
}
