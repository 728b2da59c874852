package dev.kiln.runtime.chat;

import java.time.LocalDateTime;
import java.time.format.TextStyle;
import java.util.Locale;

/**
 * Python's {@code datetime.strftime} in the C locale, for the {@code strftime_now(format)} function
 * transformers gives chat templates (Llama 3.1 and later write today's date into the system
 * prompt with {@code "%d %b %Y"}). Directives: %a %A %b %B %d %H %I %j %m %M %p %S %f %y %Y %w %u %e
 * %F %T %D %R %n %t %%, glibc's {@code %-d}-style no-padding flag; an unknown directive is kept as written.
 */
final class Strftime {
    private Strftime() {}

    static String format(LocalDateTime t, String format) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if (c != '%' || i + 1 >= format.length()) {
                b.append(c);
                continue;
            }
            boolean pad = true;
            int start = i;
            char d = format.charAt(++i);
            if (d == '-' && i + 1 < format.length()) {
                pad = false;
                d = format.charAt(++i);
            }
            String v = directive(t, d, pad);
            b.append(v != null ? v : format.substring(start, i + 1));
        }
        return b.toString();
    }

    private static String directive(LocalDateTime t, char d, boolean pad) {
        return switch (d) {
            case 'a' -> t.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.US);
            case 'A' -> t.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.US);
            case 'b', 'h' -> t.getMonth().getDisplayName(TextStyle.SHORT, Locale.US);
            case 'B' -> t.getMonth().getDisplayName(TextStyle.FULL, Locale.US);
            case 'd' -> num(t.getDayOfMonth(), 2, pad);
            case 'e' -> pad ? String.format("%2d", t.getDayOfMonth()) : Integer.toString(t.getDayOfMonth());
            case 'H' -> num(t.getHour(), 2, pad);
            case 'I' -> num(t.getHour() % 12 == 0 ? 12 : t.getHour() % 12, 2, pad);
            case 'j' -> num(t.getDayOfYear(), 3, pad);
            case 'm' -> num(t.getMonthValue(), 2, pad);
            case 'M' -> num(t.getMinute(), 2, pad);
            case 'p' -> t.getHour() < 12 ? "AM" : "PM";
            case 'S' -> num(t.getSecond(), 2, pad);
            case 'f' -> num(t.getNano() / 1000, 6, true);
            case 'y' -> num(t.getYear() % 100, 2, pad);
            case 'Y' -> Integer.toString(t.getYear());
            case 'w' -> Integer.toString(t.getDayOfWeek().getValue() % 7);
            case 'u' -> Integer.toString(t.getDayOfWeek().getValue());
            case 'F' -> t.getYear() + "-" + num(t.getMonthValue(), 2, true) + "-" + num(t.getDayOfMonth(), 2, true);
            case 'T' -> num(t.getHour(), 2, true) + ":" + num(t.getMinute(), 2, true) + ":" + num(t.getSecond(), 2, true);
            case 'R' -> num(t.getHour(), 2, true) + ":" + num(t.getMinute(), 2, true);
            case 'D' -> num(t.getMonthValue(), 2, true) + "/" + num(t.getDayOfMonth(), 2, true) + "/" + num(t.getYear() % 100, 2, true);
            case 'n' -> "\n";
            case 't' -> "\t";
            case '%' -> "%";
            default -> null;
        };
    }

    private static String num(int v, int width, boolean pad) {
        String s = Integer.toString(v);
        return pad && s.length() < width ? "0".repeat(width - s.length()) + s : s;
    }
}
