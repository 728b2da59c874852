package dev.kiln.runtime.hf;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Sizes as transformers writes them ({@code max_shard_size}): "5GB" = 5·10⁹ bytes, "2GiB" = 2·2³⁰, a bare number = bytes. */
public final class ByteSize {
    private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([KMGT]?I?B)?");

    private ByteSize() {}

    public static long parse(String text) {
        Matcher m = SIZE.matcher(text.trim().toUpperCase(Locale.ROOT));
        if (!m.matches())
            throw new IllegalArgumentException("'" + text + "' is not a size (expected e.g. 5GB, 500MB, 2GiB or a number of bytes)");
        double n = Double.parseDouble(m.group(1));
        String unit = m.group(2) == null ? "B" : m.group(2);
        boolean binary = unit.length() == 3;
        int power = "BKMGT".indexOf(unit.charAt(0));
        if (unit.equals("IB")) throw new IllegalArgumentException("'" + text + "' has unit 'iB'; use B, KB, MB, GB, KiB, MiB or GiB");
        double bytes = n * Math.pow(binary ? 1024 : 1000, power);
        if (bytes < 1 || bytes > Long.MAX_VALUE) throw new IllegalArgumentException("'" + text + "' must be at least 1 byte");
        return (long) bytes;
    }
}
