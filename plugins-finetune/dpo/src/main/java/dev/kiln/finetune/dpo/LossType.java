package dev.kiln.finetune.dpo;

import dev.kiln.api.config.Config;

import java.util.ArrayList;
import java.util.List;

/** The DPO loss types Kiln implements, under TRL's {@code loss_type} names ({@link DpoLoss} has the formulas). */
enum LossType {
    SIGMOID("sigmoid"), HINGE("hinge"), IPO("ipo"), ROBUST("robust"), BCO_PAIR("bco_pair"), SPPO_HARD("sppo_hard"),
    APO_ZERO("apo_zero"), APO_DOWN("apo_down"), SFT("sft");

    private final String key;

    LossType(String key) { this.key = key; }

    String key() { return key; }

    static LossType parse(String name, Config config) {
        for (LossType t : values()) if (t.key.equalsIgnoreCase(name.trim())) return t;
        throw config.error("loss_type", "names unknown loss type '" + name + "' (known: " + names() + ")");
    }

    static String names() { return names(List.of(values())); }

    static String names(List<LossType> types) {
        List<String> out = new ArrayList<>();
        for (LossType t : types) out.add(t.key);
        return String.join(", ", out);
    }
}
