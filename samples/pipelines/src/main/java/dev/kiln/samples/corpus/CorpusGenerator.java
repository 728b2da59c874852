package dev.kiln.samples.corpus;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Writes Kiln's default training corpus, {@code samples/corpus/kiln-stories.txt}: English-like
 * text generated from a small grammar, so the project ships only text it made itself. Short
 * stories, letters and fact sheets reuse a small cast (characters with consistent pronouns),
 * places, objects, colours and numbers, with agreement (a / an, one cup / three cups), counting
 * ("one, two, three"), arithmetic that is always right ("seven plus five is twelve") and calendar
 * facts. The text is predictable enough that a small byte-level GPT visibly learns it in minutes
 * (held-out perplexity far below the 256 of a uniform byte guess) and varied enough not to be
 * memorised. Documents are separated by two blank lines ({@code TextCorpus}'s default).
 *
 * <p>Deterministic: {@link java.util.Random} with a fixed seed has a specified algorithm, so the
 * same arguments give the same bytes on every JDK. JDK only, one file, so it runs without a build:
 *
 * <pre>
 * java samples/pipelines/src/main/java/dev/kiln/samples/corpus/CorpusGenerator.java samples/corpus/kiln-stories.txt
 * </pre>
 *
 * Arguments: output file [target bytes, default 290000] [seed, default 20240601].
 */
public final class CorpusGenerator {
    public static final int DEFAULT_BYTES = 290_000;
    public static final long DEFAULT_SEED = 20240601L;

    private final Random rng;
    private final StringBuilder out = new StringBuilder();

    public CorpusGenerator(long seed) {
        this.rng = new Random(seed);
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 1 || args.length > 3) {
            System.err.println("usage: CorpusGenerator <output file> [target bytes] [seed]");
            System.exit(2);
        }
        long bytes = args.length > 1 ? Long.parseLong(args[1]) : DEFAULT_BYTES;
        long seed = args.length > 2 ? Long.parseLong(args[2]) : DEFAULT_SEED;
        Path file = Path.of(args[0]);
        if (file.toAbsolutePath().getParent() != null) Files.createDirectories(file.toAbsolutePath().getParent());
        try (var w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            new CorpusGenerator(seed).write(w, bytes);
        }
        System.out.println("wrote " + Files.size(file) + " bytes to " + file);
    }

    /** Documents until the text reaches {@code targetBytes} (all ASCII, so chars = bytes). */
    public String generate(int targetBytes) {
        java.io.StringWriter w = new java.io.StringWriter();
        try {
            write(w, targetBytes);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return w.toString();
    }

    /** The same text as {@link #generate}, streamed to {@code w} in 8 MiB pieces: corpora of any size (benchmarks). */
    public void write(java.io.Writer w, long targetBytes) throws IOException {
        out.setLength(0);
        long flushed = 0;
        while (flushed + out.length() < targetBytes) {
            if (flushed + out.length() > 0) out.append("\n\n\n");
            int kind = rng.nextInt(10);
            if (kind < 6) story();
            else if (kind < 8) letter();
            else facts();
            if (out.length() >= 1 << 23) {
                w.append(out);
                flushed += out.length();
                out.setLength(0);
            }
        }
        out.append('\n');
        w.append(out);
        out.setLength(0);
    }

    // ---- documents ------------------------------------------------------------------------------

    private void story() {
        Person hero = person(), friend = other(hero);
        Thing thing = pick(Lex.THINGS);
        String colour = pick(Lex.COLOURS), home = pick(Lex.PLACES), goal = otherPlace(home);
        String animal = pick(Lex.ANIMALS);
        int found = 2 + rng.nextInt(9), given = 1 + rng.nextInt(found - 1);
        out.append("The Story of ").append(hero.name).append(" and the ").append(cap(colour)).append(' ').append(cap(thing.one)).append("\n\n");
        List<String> p = new ArrayList<>();
        p.add("Once upon a time, near " + home + ", there lived " + Lex.article(hero.trait) + " " + hero.trait + " " + hero.role + " named " + hero.name + ".");
        p.add(cap(hero.he) + " had " + Lex.count(1 + rng.nextInt(4), pick(Lex.COLOURS), pick(Lex.THINGS)) + " and " + Lex.article(animal) + " " + animal + " called " + pick(Lex.PET_NAMES) + ".");
        p.add("Every " + pick(Lex.TIMES) + ", " + hero.name + " walked to " + goal + " with " + hero.his + " " + animal + ".");
        para(p);
        p.add("One day, " + hero.name + " met " + friend.name + ", who was looking for " + Lex.article(colour) + " " + colour + " " + thing.one + ".");
        p.add("\"" + pick(Lex.GREETINGS) + ", " + friend.name + ",\" said " + hero.name + ". \"Where are you going?\"");
        p.add("\"I am going to " + goal + ",\" said " + friend.name + ". \"I want to find " + Lex.article(colour) + " " + colour + " " + thing.one + ".\"");
        p.add("\"Then I will come with you,\" said " + hero.name + ", and " + hero.he + " picked up " + hero.his + " " + pick(Lex.TOOLS) + ".");
        para(p);
        p.add("They walked together until they reached " + goal + ". " + weather());
        p.add("There they found " + Lex.count(found, colour, thing) + ", and " + hero.name + " counted them: " + Lex.countTo(found) + ".");
        p.add(hero.name + " gave " + Lex.NUMBERS[given] + " of them to " + friend.name + ", so " + hero.name + " had " + Lex.NUMBERS[found - given] + " left.");
        if (rng.nextBoolean())
            p.add(friend.name + " said, \"Thank you, " + hero.name + ". Now I have " + Lex.count(given, colour, thing) + ".\"");
        else
            p.add(cap(friend.he) + " smiled and put the " + (given == 1 ? thing.one : thing.many) + " in " + friend.his + " " + pick(Lex.BAGS) + ".");
        para(p);
        p.add("When the sun went down, " + hero.name + " and " + friend.name + " went back to " + home + ".");
        p.add("That night " + hero.name + " was very " + pick(Lex.FEELINGS) + ", and " + hero.his + " " + animal + " slept by the " + pick(Lex.SPOTS) + ".");
        p.add("The end.");
        para(p);
        trimLast();
    }

    private void letter() {
        Person from = person(), to = other(from);
        int day = 1 + rng.nextInt(28), month = rng.nextInt(12);
        String place = pick(Lex.PLACES), colour = pick(Lex.COLOURS);
        Thing thing = pick(Lex.THINGS);
        int n = 1 + rng.nextInt(12);
        out.append(Lex.WEEKDAYS[rng.nextInt(7)]).append(", the ").append(Lex.ordinal(day)).append(" of ").append(Lex.MONTHS[month]).append("\n\n");
        out.append("Dear ").append(to.name).append(",\n\n");
        List<String> p = new ArrayList<>();
        p.add("I hope you are well. Today I went to " + place + " and saw " + Lex.count(n, colour, thing) + ".");
        p.add(weather());
        p.add("I bought " + Lex.count(1 + rng.nextInt(3), pick(Lex.COLOURS), pick(Lex.THINGS)) + " for " + Lex.NUMBERS[2 + rng.nextInt(9)] + " coins.");
        para(p);
        int a = rng.nextInt(11), b = rng.nextInt(10);
        p.add("My teacher asked me what " + Lex.NUMBERS[a] + " plus " + Lex.NUMBERS[b] + " is, and I said " + Lex.NUMBERS[a + b] + ".");
        p.add("Next month is " + Lex.MONTHS[(month + 1) % 12] + ", and I will visit you in " + otherPlace(place) + ".");
        p.add("Please say hello to " + pick(Lex.FAMILY) + " for me.");
        para(p);
        out.append("Your friend,\n").append(from.name);
    }

    private void facts() {
        out.append("Things ").append(person().name).append(" Knows\n\n");
        int lines = 8 + rng.nextInt(8);
        for (int i = 0; i < lines; i++) {
            int a = rng.nextInt(11), b = rng.nextInt(10), k = rng.nextInt(7);
            String line = switch (rng.nextInt(7)) {
                case 0, 1 -> cap(Lex.NUMBERS[a]) + " plus " + Lex.NUMBERS[b] + " is " + Lex.NUMBERS[a + b] + ".";
                case 2 -> cap(Lex.NUMBERS[a + b]) + " minus " + Lex.NUMBERS[b] + " is " + Lex.NUMBERS[a] + ".";
                case 3 -> cap(Lex.NUMBERS[1 + a % 4]) + " times " + Lex.NUMBERS[1 + b % 5] + " is " + Lex.NUMBERS[(1 + a % 4) * (1 + b % 5)] + ".";
                case 4 -> "The day after " + Lex.WEEKDAYS[k] + " is " + Lex.WEEKDAYS[(k + 1) % 7] + ".";
                case 5 -> "The month after " + Lex.MONTHS[a] + " is " + Lex.MONTHS[(a + 1) % 12] + ".";
                default -> {
                    Thing t = pick(Lex.THINGS);
                    int n = a + 1;
                    yield cap(Lex.count(n, pick(Lex.COLOURS), t)) + " and one more make " + Lex.NUMBERS[n + 1] + " " + t.many + ".";
                }
            };
            out.append(line).append('\n');
        }
        trimLast();
    }

    // ---- pieces ---------------------------------------------------------------------------------

    private String weather() {
        return switch (rng.nextInt(4)) {
            case 0 -> "The sky was " + pick(Lex.SKIES) + " and the wind was " + pick(Lex.WINDS) + ".";
            case 1 -> "It was " + pick(Lex.SEASONS) + ", and the trees were " + pick(Lex.COLOURS) + ".";
            case 2 -> "It was raining, so everyone stayed close to the " + pick(Lex.SPOTS) + ".";
            default -> "The sun was warm and the birds were singing.";
        };
    }

    private void para(List<String> sentences) {
        out.append(String.join(" ", sentences)).append("\n\n");
        sentences.clear();
    }

    private void trimLast() {
        while (out.length() > 0 && out.charAt(out.length() - 1) == '\n') out.setLength(out.length() - 1);
    }

    private Person person() {
        String[] row = Lex.PEOPLE[rng.nextInt(Lex.PEOPLE.length)];
        return new Person(row[0], row[1], row[2], pick(Lex.TRAITS), pick(Lex.ROLES));
    }

    private Person other(Person p) {
        Person q;
        do q = person(); while (q.name.equals(p.name));
        return q;
    }

    private String otherPlace(String place) {
        String q;
        do q = pick(Lex.PLACES); while (q.equals(place));
        return q;
    }

    private <T> T pick(T[] options) {
        return options[rng.nextInt(options.length)];
    }

    static String cap(String s) {
        return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }

    /** A character: name, subject and possessive pronouns, and a trait and role for introductions. */
    record Person(String name, String he, String his, String trait, String role) {}

    /** A countable object: singular and plural. */
    record Thing(String one, String many) {}

    /** The word lists and agreement rules. */
    static final class Lex {
        static final String[][] PEOPLE = {
                {"Mira", "she", "her"}, {"Tomas", "he", "his"}, {"Ada", "she", "her"}, {"Ben", "he", "his"},
                {"Lena", "she", "her"}, {"Oskar", "he", "his"}, {"Ines", "she", "her"}, {"Felix", "he", "his"},
                {"Nora", "she", "her"}, {"Hugo", "he", "his"}, {"Rosa", "she", "her"}, {"Emil", "he", "his"},
                {"Kit", "they", "their"}, {"Sasha", "they", "their"}};
        static final String[] TRAITS = {"kind", "clever", "quiet", "brave", "old", "young", "curious", "gentle", "cheerful"};
        static final String[] ROLES = {"baker", "farmer", "painter", "sailor", "teacher", "miller", "weaver", "fisher", "gardener"};
        static final String[] PLACES = {"the village", "the harbour", "the old mill", "the forest", "the market", "the hill",
                "the river bank", "the library", "the orchard", "the lighthouse", "the bridge", "the meadow"};
        static final Thing[] THINGS = {new Thing("apple", "apples"), new Thing("kite", "kites"), new Thing("box", "boxes"),
                new Thing("key", "keys"), new Thing("cup", "cups"), new Thing("stone", "stones"), new Thing("feather", "feathers"),
                new Thing("berry", "berries"), new Thing("lamp", "lamps"), new Thing("book", "books"), new Thing("shell", "shells"),
                new Thing("ribbon", "ribbons"), new Thing("egg", "eggs"), new Thing("hat", "hats"), new Thing("leaf", "leaves"),
                new Thing("knife", "knives"), new Thing("umbrella", "umbrellas"), new Thing("orange", "oranges")};
        static final String[] COLOURS = {"red", "blue", "green", "yellow", "orange", "purple", "white", "black", "brown", "grey"};
        static final String[] ANIMALS = {"dog", "cat", "goat", "owl", "horse", "duck", "rabbit", "fox", "elephant", "hen"};
        static final String[] PET_NAMES = {"Pip", "Biscuit", "Moss", "Pepper", "Button", "Clover", "Sparrow", "Nutmeg"};
        static final String[] TIMES = {"morning", "evening", "afternoon", "Sunday", "spring"};
        static final String[] GREETINGS = {"Hello", "Good morning", "Good day", "Hi there", "Good evening"};
        static final String[] TOOLS = {"basket", "lantern", "map", "walking stick", "coat", "rope"};
        static final String[] BAGS = {"basket", "bag", "pocket", "box"};
        static final String[] FEELINGS = {"happy", "tired", "proud", "glad", "sleepy", "thankful"};
        static final String[] SPOTS = {"fire", "door", "window", "stove", "bed"};
        static final String[] SKIES = {"clear", "grey", "pink", "cloudy", "bright"};
        static final String[] WINDS = {"cold", "soft", "strong", "warm"};
        static final String[] SEASONS = {"spring", "summer", "autumn", "winter"};
        static final String[] FAMILY = {"your mother", "your father", "your sister", "your brother", "your grandmother", "the dog"};
        static final String[] WEEKDAYS = {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};
        static final String[] MONTHS = {"January", "February", "March", "April", "May", "June", "July", "August",
                "September", "October", "November", "December"};
        static final String[] NUMBERS = {"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
                "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty"};

        static String article(String nextWord) {
            return "aeiou".indexOf(Character.toLowerCase(nextWord.charAt(0))) >= 0 ? "an" : "a";
        }

        /** A spelled-out count with agreement: "one orange box", "three blue keys". */
        static String count(int n, String colour, Thing t) {
            return NUMBERS[n] + " " + colour + " " + (n == 1 ? t.one : t.many);
        }

        /** "one, two, three" up to n. */
        static String countTo(int n) {
            StringBuilder sb = new StringBuilder();
            for (int i = 1; i <= n; i++) sb.append(i > 1 ? ", " : "").append(NUMBERS[i]);
            return sb.toString();
        }

        /** 1st → "first", 21 → "twenty-first". */
        static String ordinal(int day) {
            String[] first = {"", "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth",
                    "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth", "seventeenth", "eighteenth",
                    "nineteenth", "twentieth"};
            return day <= 20 ? first[day] : "twenty-" + first[day - 20];
        }
    }
}
