package dev.kiln.finetune.lora;

import dev.kiln.api.tensor.Tensor;

/** What {@link Lora}'s model-level verbs need of an adapter, on a Linear ({@link LoraLayer}) or the token embeddings ({@link LoraEmbedding}). */
interface LoraAdapter {
    String adapterName();

    boolean enabled();

    boolean merged();

    void enable(boolean on);

    void merge();

    void unmerge();

    Tensor loraA();

    Tensor loraB();
}
