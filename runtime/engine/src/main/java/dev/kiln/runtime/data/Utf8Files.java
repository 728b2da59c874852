package dev.kiln.runtime.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Strict UTF-8 reading of whole files, with errors that name the file, line and byte offset. */
public final class Utf8Files {
    private Utf8Files() {}

    /** The file's text (a leading BOM dropped); an error naming the byte offset of the first invalid byte. */
    public static String read(Path file) throws DataFileException {
        byte[] bytes;
        try {
            if (Files.isDirectory(file)) throw new DataFileException(file, 0, "is a directory, expected a UTF-8 text file");
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new DataFileException(file, 0, "file not found", e);
        } catch (DataFileException e) {
            throw e;
        } catch (IOException e) {
            throw new DataFileException(file, 0, "cannot read: " + e, e);
        }
        return decode(file, bytes);
    }

    static String decode(Path file, byte[] bytes) throws DataFileException {
        CharsetDecoder dec = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length + 1);
        CoderResult r = dec.decode(in, out, true);
        if (r.isUnderflow()) r = dec.flush(out);
        if (r.isError()) {
            int offset = in.position();
            int line = 1;
            for (int i = 0; i < offset; i++) if (bytes[i] == '\n') line++;
            throw new DataFileException(file, line, String.format("not valid UTF-8: byte 0x%02X at byte offset %d", bytes[offset] & 0xFF, offset));
        }
        out.flip();
        String s = out.toString();
        return s.startsWith("\uFEFF") ? s.substring(1) : s;
    }
}
