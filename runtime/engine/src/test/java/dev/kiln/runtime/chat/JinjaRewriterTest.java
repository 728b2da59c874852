package dev.kiln.runtime.chat;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class JinjaRewriterTest {

    @Test
    void keywordArgumentValuesAreParenthesised() {
        assertEquals("{%- set ns = namespace(a=(true), n=(messages|length - 1)) %}",
                JinjaRewriter.rewrite("{%- set ns = namespace(a=true, n=messages|length - 1) %}"));
        assertEquals("{% if a == b and f(x, y=(1)) %}", JinjaRewriter.rewrite("{% if a == b and f(x, y=1) %}"));
    }

    @Test
    void slicesBecomePyslice() {
        assertEquals("{% for m in (messages|pyslice(none, none, (-1))) %}", JinjaRewriter.rewrite("{% for m in messages[::-1] %}"));
        assertEquals("{% set x = (a.b['c']|pyslice((1), none, none)) %}", JinjaRewriter.rewrite("{% set x = a.b['c'][1:] %}"));
        assertEquals("{% set x = [1, 2] + {'a': 1}['a'] %}", JinjaRewriter.rewrite("{% set x = [1, 2] + {'a': 1}['a'] %}"));
    }

    @Test
    void printedExpressionsGoThroughPystrKeepingWhitespaceControl() {
        assertEquals("a{{- (x.strip())|pystr -}}b{{ }}", JinjaRewriter.rewrite("a{{- x.strip() -}}b{{ }}"));
    }

    @Test
    void textCommentsStringsMacrosAndRawAreLeftAlone() {
        String s = "text [1:] f(a=1) {# c[::-1] #}{{ 'x[1:]' }}{% macro m(a, b=1) %}{% endmacro %}{% raw %}{{ y[::2] }}{% endraw %}";
        assertEquals("text [1:] f(a=1) {# c[::-1] #}{{ ('x[1:]')|pystr }}{% macro m(a, b=1) %}{% endmacro %}{% raw %}{{ y[::2] }}{% endraw %}",
                JinjaRewriter.rewrite(s));
    }

    @Test
    void unaryNotTakesTheWholeComparison() {
        assertEquals("{%- if not (tools is defined) -%}", JinjaRewriter.rewrite("{%- if not tools is defined -%}"));
        assertEquals("{% if x is not none and not (a == b) or c %}", JinjaRewriter.rewrite("{% if x is not none and not a == b or c %}"));
        assertEquals("{% if 'x' not in y and not (m['a'] in z) %}", JinjaRewriter.rewrite("{% if 'x' not in y and not m['a'] in z %}"));
        assertEquals("{{ (1 if not (done) else 2)|pystr }}", JinjaRewriter.rewrite("{{ 1 if not done else 2 }}"));
    }
}
