package dev.kiln.runtime.chat;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import com.hubspot.jinjava.lib.filter.Filter;
import jinjava.javax.el.CompositeELResolver;

import java.lang.reflect.Method;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Jinjava (HubSpot's Jinja engine) set up to render chat templates as transformers renders them
 * with Jinja2 ({@code ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
 * extensions=[loopcontrols])}, its tojson filter, raise_exception and strftime_now).
 *
 * <p>Where Jinjava differs from Jinja2 this bridges it: Jinjava's Jinja2-compatible parsing and
 * whitespace options ({@link LegacyOverrides}: strict whitespace control, natural operator
 * precedence, iterating a dict gives its keys, Python-style output of values); Python's str and
 * dict methods ({@link PyMethodResolver}); tojson, trim and length as Python has them ({@link PyFilters});
 * a string is iterable ({@link PyTests}); {@code strftime_now is defined} holds;
 * keyword arguments and slices rewritten before parsing ({@link JinjaRewriter}); the
 * {@code {% generation %}} tag ({@link GenerationTag}); {@code raise_exception} ends rendering with
 * the template's message.
 */
final class JinjaEngine {
    private static final ThreadLocal<State> STATE = new ThreadLocal<>();
    /** The value of the variables named like the global functions, so that {@code strftime_now is defined} holds. */
    static final Object FUNCTION = new Object() {
        @Override
        public String toString() { return "<function>"; }
    };
    private static volatile JinjaEngine shared;

    private final Jinjava jinjava;

    private static final class State {
        final LocalDateTime now;
        String raised;

        State(LocalDateTime now) { this.now = now; }
    }

    private JinjaEngine() {
        CompositeELResolver resolver = new CompositeELResolver();
        resolver.add(new PyMethodResolver());
        resolver.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_ONLY);
        LegacyOverrides jinja2 = LegacyOverrides.newBuilder()
                .withEvaluateMapKeys(true).withIterateOverMapKeys(true).withUsePyishObjectMapper(true)
                .withUseNaturalOperatorPrecedence(true).withParseWhitespaceControlStrictly(true)
                .withAllowAdjacentTextNodes(true).withUseTrimmingForNotesAndExpressions(true)
                .withKeepNullableLoopValues(true).build();
        JinjavaConfig config = JinjavaConfig.newBuilder()
                .withTrimBlocks(true).withLstripBlocks(true)
                .withFailOnUnknownTokens(false)
                .withNestedInterpretationEnabled(false)          // '{{x}}' in a string literal is text, as in Jinja2
                .withElResolver(resolver)
                .withLegacyOverrides(jinja2)
                .build();
        jinjava = new Jinjava(config);
        for (Filter f : PyFilters.all()) jinjava.getGlobalContext().registerFilter(f);
        PyTests.all().forEach(jinjava.getGlobalContext()::registerExpTest);
        jinjava.getGlobalContext().registerTag(new GenerationTag());
        jinjava.getGlobalContext().registerFunction(function("raise_exception", "raiseException"));
        jinjava.getGlobalContext().registerFunction(function("strftime_now", "strftimeNow"));
    }

    static JinjaEngine shared() {
        JinjaEngine e = shared;
        if (e == null) {
            synchronized (JinjaEngine.class) {
                if (shared == null) shared = new JinjaEngine();
                e = shared;
            }
        }
        return e;
    }

    private static ELFunctionDefinition function(String name, String method) {
        try {
            Method m = JinjaEngine.class.getDeclaredMethod(method, String.class);
            m.setAccessible(true);
            return new ELFunctionDefinition("", name, m);
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code raise_exception(message)}: rendering fails with the template's message. */
    static String raiseException(String message) {
        State s = STATE.get();
        if (s != null && s.raised == null) s.raised = message;
        throw new IllegalStateException(message);
    }

    /** {@code strftime_now(format)}: the rendering's "now" in Python's strftime format. */
    static String strftimeNow(String format) {
        State s = STATE.get();
        return Strftime.format(s == null ? LocalDateTime.now() : s.now, format);
    }

    /**
     * Renders {@code source} (already {@link JinjaRewriter rewritten}) with these variables.
     * {@code origin} names the template in errors.
     */
    RenderedChat render(String source, Map<String, Object> variables, LocalDateTime now, String origin) {
        State state = new State(now);
        STATE.set(state);
        RenderResult result;
        try {
            result = jinjava.renderForResult(source, variables);
        } finally {
            STATE.remove();
        }
        if (state.raised != null)
            throw new ChatTemplateException(origin + ": the template raised an error: " + state.raised, state.raised);
        for (TemplateError e : result.getErrors()) {
            if (e.getSeverity() == TemplateError.ErrorType.FATAL)
                throw new ChatTemplateException(origin + ": line " + e.getLineno() + ": " + e.getMessage());
        }
        return spans(result.getOutput(), origin);
    }

    /** Removes the generation markers, recording where each block's text lies. */
    private static RenderedChat spans(String marked, String origin) {
        if (marked.indexOf(GenerationTag.START) < 0 && marked.indexOf(GenerationTag.END) < 0) return new RenderedChat(marked, List.of());
        StringBuilder text = new StringBuilder(marked.length());
        List<int[]> spans = new ArrayList<>();
        int open = -1;
        for (int i = 0; i < marked.length(); i++) {
            char c = marked.charAt(i);
            if (c == GenerationTag.START) {
                if (open >= 0) throw new ChatTemplateException(origin + ": nested {% generation %} blocks");
                open = text.length();
            } else if (c == GenerationTag.END) {
                if (open < 0) throw new ChatTemplateException(origin + ": unbalanced {% generation %} block");
                spans.add(new int[] {open, text.length()});
                open = -1;
            } else text.append(c);
        }
        return new RenderedChat(text.toString(), spans);
    }
}
