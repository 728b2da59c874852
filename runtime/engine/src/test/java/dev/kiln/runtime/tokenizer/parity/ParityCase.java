package dev.kiln.runtime.tokenizer.parity;

/**
 * One check of the suite: a tokenizer file, a text set, whether the template's special tokens are
 * added ({@code add_special_tokens}), and what is compared: {@code encode} (Kiln's ids against the
 * oracle's) or {@code decode} (Kiln's decode of the oracle's ids against the oracle's decode,
 * skipping special tokens when they were added). Its id, e.g. {@code llama3/hard/plain/encode} or
 * {@code bert-base-uncased/shakespeare/with-specials/decode}, is what {@link ParityCases} lists.
 */
record ParityCase(ParityFile file, String textSet, boolean addSpecialTokens, boolean decode) {

    String id() {
        return file.name() + "/" + textSet + "/" + (addSpecialTokens ? "with-specials" : "plain") + "/" + (decode ? "decode" : "encode");
    }

    @Override
    public String toString() {
        return id();
    }
}
