package dev.kiln.runtime.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.exptest.ExpTest;
import com.hubspot.jinjava.objects.SafeString;

import java.util.List;
import java.util.Map;

/**
 * The tests whose Jinjava versions differ from Jinja2's: a string is {@code iterable} and a
 * {@code sequence} in Python (Llama 3.1 tells a tool result's text from a JSON object with
 * {@code content is mapping or content is iterable}, which is true for a string).
 */
final class PyTests {
    private PyTests() {}

    static List<ExpTest> all() {
        return List.of(new Test("iterable"), new Test("sequence"));
    }

    private record Test(String name) implements ExpTest {
        @Override
        public String getName() { return name; }

        @Override
        public boolean evaluate(Object var, JinjavaInterpreter interpreter, Object... args) {
            return var instanceof CharSequence || var instanceof SafeString || var instanceof Map<?, ?> || var instanceof Object[]
                    || (name.equals("iterable") ? var instanceof Iterable<?> : var instanceof java.util.Collection<?>);
        }
    }
}
