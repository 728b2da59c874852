package dev.kiln.api.completion;

/** One chat message of a conversational row: {@code {role, content}} (other keys of the JSON map are ignored). */
public record Message(String role, String content) {}
