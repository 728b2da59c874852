package dev.kiln.runtime.data;

import dev.kiln.api.data.Dataset;
import dev.kiln.api.data.Example;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Tab-separated values: the first line is the header (field names), every following non-blank line
 * one {@link Example} with those fields as strings and source {@code file:line}. No quoting; inside
 * a value {@code \t}, {@code \n} and {@code \\} are unescaped. A row with a different number of
 * fields than the header is an error naming the file, the line and both counts.
 */
public final class TsvReader {
    private TsvReader() {}

    public static Dataset read(Path file) throws DataFileException {
        String text = Utf8Files.read(file).replace("\r\n", "\n");
        Path base = file.toAbsolutePath().getParent();
        List<Example> out = new ArrayList<>();
        String[] header = null;
        int lineNo = 0, start = 0;
        while (start < text.length()) {
            int end = text.indexOf('\n', start);
            if (end < 0) end = text.length();
            lineNo++;
            String line = text.substring(start, end);
            start = end + 1;
            if (line.isBlank()) continue;
            String[] cells = line.split("\t", -1);
            if (header == null) {
                header = header(file, lineNo, cells);
                continue;
            }
            if (cells.length != header.length)
                throw new DataFileException(file, lineNo, "row has " + cells.length + " field" + (cells.length == 1 ? "" : "s")
                        + ", the header has " + header.length + " (" + String.join(", ", header) + ")");
            Map<String, Object> fields = new LinkedHashMap<>();
            for (int i = 0; i < cells.length; i++) fields.put(header[i], unescape(cells[i]));
            out.add(new Example(fields, file + ":" + lineNo, base));
        }
        if (header == null) throw new DataFileException(file, 0, "empty: expected a header row of tab-separated field names");
        return new Dataset(file.getFileName() == null ? file.toString() : file.getFileName().toString(), out);
    }

    private static String[] header(Path file, int lineNo, String[] cells) throws DataFileException {
        Set<String> seen = new LinkedHashSet<>();
        for (int i = 0; i < cells.length; i++) {
            String name = cells[i].strip();
            if (name.isEmpty()) throw new DataFileException(file, lineNo, "header field " + (i + 1) + " is empty");
            if (!seen.add(name)) throw new DataFileException(file, lineNo, "header names field '" + name + "' twice");
            cells[i] = name;
        }
        return cells;
    }

    public static String unescape(String s) {
        if (s.indexOf('\\') < 0) return s;
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                char n = s.charAt(++i);
                switch (n) {
                    case 't' -> sb.append('\t');
                    case 'n' -> sb.append('\n');
                    case 'r' -> sb.append('\r');
                    case '\\' -> sb.append('\\');
                    default -> sb.append(c).append(n);
                }
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }
}
