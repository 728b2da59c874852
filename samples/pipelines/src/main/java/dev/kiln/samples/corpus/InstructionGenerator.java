package dev.kiln.samples.corpus;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Writes the instruction-tuning sample data, {@code samples/data/instructions/tasks.jsonl}: small
 * generated tasks whose answers are always right (counting, addition, reversing a word list,
 * spelling, plurals), half as {@code prompt}/{@code completion} rows and half as chat
 * {@code messages} (some with a system turn). Deterministic for a seed; JDK only, runs without a build:
 *
 * <pre>
 * java samples/pipelines/src/main/java/dev/kiln/samples/corpus/InstructionGenerator.java samples/data/instructions/tasks.jsonl
 * </pre>
 *
 * Arguments: output file [rows, default 2000] [seed, default 20241122].
 */
public final class InstructionGenerator {
    static final String[] NUMBERS = {"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
            "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty"};
    static final String[] WORDS = {"lantern", "orchard", "river", "harbor", "meadow", "kettle", "pebble", "garden", "window",
            "candle", "basket", "ribbon", "castle", "forest", "mirror", "ladder", "pocket", "button", "rabbit", "parcel"};
    static final String[] COLOURS = {"red", "blue", "green", "yellow", "purple", "orange", "white", "black", "silver", "golden"};

    private final Random rng;

    public InstructionGenerator(long seed) { this.rng = new Random(seed); }

    /** One task: {prompt, completion}. */
    String[] task() {
        switch (rng.nextInt(5)) {
            case 0 -> {
                int a = rng.nextInt(15), b = a + 2 + rng.nextInt(5);
                List<String> seq = new ArrayList<>();
                for (int i = a; i <= b; i++) seq.add(NUMBERS[i]);
                return new String[] {"Count from " + NUMBERS[a] + " to " + NUMBERS[b] + ".", String.join(", ", seq) + "."};
            }
            case 1 -> {
                int a = rng.nextInt(11), b = rng.nextInt(11);
                return new String[] {"What is " + NUMBERS[a] + " plus " + NUMBERS[b] + "?",
                        capital(NUMBERS[a]) + " plus " + NUMBERS[b] + " is " + NUMBERS[a + b] + "."};
            }
            case 2 -> {
                List<String> list = new ArrayList<>();
                int n = 3 + rng.nextInt(3);
                for (int i = 0; i < n; i++) list.add(COLOURS[rng.nextInt(COLOURS.length)]);
                List<String> rev = new ArrayList<>(list);
                Collections.reverse(rev);
                return new String[] {"Reverse the words: " + String.join(" ", list), String.join(" ", rev)};
            }
            case 3 -> {
                String w = WORDS[rng.nextInt(WORDS.length)];
                return new String[] {"Spell the word " + w + ".", String.join("-", w.split(""))};
            }
            default -> {
                int n = 2 + rng.nextInt(9);
                String w = WORDS[rng.nextInt(WORDS.length)];
                return new String[] {"Write '" + NUMBERS[n] + " " + w + "s' with a digit.", n + " " + w + "s"};
            }
        }
    }

    String row() {
        String[] t = task();
        if (rng.nextBoolean()) return "{\"prompt\": " + json(t[0] + "\n") + ", \"completion\": " + json(t[1]) + "}";
        StringBuilder b = new StringBuilder("{\"messages\": [");
        if (rng.nextInt(3) == 0) b.append("{\"role\": \"system\", \"content\": \"You answer briefly.\"}, ");
        b.append("{\"role\": \"user\", \"content\": ").append(json(t[0])).append("}, ");
        b.append("{\"role\": \"assistant\", \"content\": ").append(json(t[1])).append("}]}");
        return b.toString();
    }

    private static String capital(String s) { return Character.toUpperCase(s.charAt(0)) + s.substring(1); }

    private static String json(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 1) {
            System.err.println("usage: InstructionGenerator OUTPUT.jsonl [rows] [seed]");
            System.exit(2);
        }
        int rows = args.length > 1 ? Integer.parseInt(args[1]) : 2000;
        long seed = args.length > 2 ? Long.parseLong(args[2]) : 20241122L;
        InstructionGenerator g = new InstructionGenerator(seed);
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < rows; i++) out.append(g.row()).append('\n');
        Path file = Path.of(args[0]);
        if (file.getParent() != null) Files.createDirectories(file.getParent());
        Files.writeString(file, out.toString(), StandardCharsets.UTF_8);
    }
}
