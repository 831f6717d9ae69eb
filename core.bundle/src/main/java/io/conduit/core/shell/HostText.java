package io.conduit.core.shell;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Turns a host's output bytes into text that is safe to put on an operator's terminal, or says they are not
 * UTF-8 so that JSON can carry them in base64.
 *
 * <p>What the human view shows (and why): bytes that are not UTF-8 as {@code \xHH}, so nothing is lost silently
 * in U+FFFD; ESC as {@code \e}, a lone CR as {@code \r}, other C0 controls and DEL as {@code \xHH}, C1 controls and
 * the bidirectional overrides (Trojan Source, CVE-2021-42574) as {@code &#92;uHHHH}: a host must not be able to move
 * the cursor, retitle the terminal or reorder what the operator reads. Tabs stay; a CR just before a newline is
 * dropped (a pty ends lines in CRLF). A backslash is shown as it is, so {@code \e} in the view may also be those
 * two characters: {@code --json}, {@code -o}/{@code -e} files and {@code --raw} keep the bytes exactly.
 */
final class HostText {
    private HostText() {
    }

    /**
     * @param bytes output
     * @return the bytes as a string when they are valid UTF-8, else {@code null}
     */
    static String utf8OrNull(byte[] bytes) {
        try {
            return decoder().decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    /**
     * @param bytes a host's output
     * @param oneLine also show newlines as {@code \n} (the one-line view)
     * @return the text for a terminal, with every control character and malformed byte escaped as described above
     */
    static String escape(byte[] bytes, boolean oneLine) {
        StringBuilder s = new StringBuilder(bytes.length + 16);
        CharsetDecoder d = decoder();
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer chars = CharBuffer.allocate(Math.max(16, bytes.length));
        while (true) {
            CoderResult r = d.decode(in, chars, true);
            chars.flip();
            escapeChars(chars, s, oneLine);
            chars.clear();
            if (r.isError()) {
                for (int i = 0; i < r.length(); i++) {
                    s.append(String.format(Locale.ROOT, "\\x%02X", in.get() & 0xff));
                }
            } else if (r.isUnderflow()) {
                break;
            }
        }
        return s.toString();
    }

    /**
     * @param text text of ours that may hold a host's words (a host name, an error message)
     * @return it with control characters escaped as in {@link #escape(byte[], boolean)}, newlines included
     */
    static String escape(String text) {
        StringBuilder s = new StringBuilder(text.length());
        escapeChars(CharBuffer.wrap(text), s, true);
        return s.toString();
    }

    private static void escapeChars(CharBuffer chars, StringBuilder s, boolean oneLine) {
        while (chars.hasRemaining()) {
            char c = chars.get();
            if (c == '\t') {
                s.append(c);
            } else if (c == '\n') {
                s.append(oneLine ? "\\n" : "\n");
            } else if (c == '\r') {
                // CRLF is a line end (a pty's); a lone CR would overwrite what the line showed
                if (!(chars.hasRemaining() && chars.get(chars.position()) == '\n')) {
                    s.append("\\r");
                }
            } else if (c == 0x1b) {
                s.append("\\e");
            } else if (c < 0x20 || c == 0x7f) {
                s.append(String.format(Locale.ROOT, "\\x%02X", (int) c));
            } else if ((c >= 0x80 && c <= 0x9f) || isBidiControl(c)) {
                s.append(String.format(Locale.ROOT, "\\u%04X", (int) c));
            } else {
                s.append(c);
            }
        }
    }

    private static boolean isBidiControl(char c) {
        return c == 0x061c || c == 0x200e || c == 0x200f || (c >= 0x202a && c <= 0x202e)
                || (c >= 0x2066 && c <= 0x2069);
    }

    private static CharsetDecoder decoder() {
        return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
    }
}
