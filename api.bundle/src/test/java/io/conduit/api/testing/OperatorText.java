package io.conduit.api.testing;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.util.regex.Pattern;

import io.conduit.api.task.HostResult;

/**
 * Checks that a text an operator reads (a host's error, an exception's message) is written for people: no Java
 * class name ({@code java.net.SocketException}), no record or object dump ({@code Command[...]},
 * {@code Foo[a=1]}), no stack trace. Shared by every plugin's tests through api.bundle's test-jar, so that the
 * rule is checked the same way everywhere.
 */
public final class OperatorText {
    /** A qualified exception or error class name, as {@code Throwable.toString()} prints it. */
    static final Pattern CLASS_NAME = Pattern.compile("[a-z]+\\.[a-z]+\\.(\\w+\\.)*[A-Z]\\w*(Exception|Error)");
    /** A simple exception name followed by a colon: {@code SocketException: Connection reset}. */
    static final Pattern SIMPLE_NAME = Pattern.compile("\\b[A-Z]\\w*(Exception|Error):");
    /** A record's or an object's dump: {@code Name[key=...]} or {@code Command[...]}. */
    static final Pattern DUMP = Pattern.compile("\\w+\\[.*=|\\b[A-Z][a-z]\\w*\\[[^\\]]*]|@[0-9a-f]{6,}\\b");
    /** A stack trace line. */
    static final Pattern TRACE = Pattern.compile("\\n\\s*at [\\w.$]+\\(");

    private OperatorText() {
    }

    /**
     * @param text what an operator reads
     * @throws AssertionError the text is {@code null} or carries a class name, a dump or a stack trace
     */
    public static void assertForPeople(String text) {
        assertNotNull(text, "no text");
        for (Pattern p : new Pattern[] {CLASS_NAME, SIMPLE_NAME, DUMP, TRACE}) {
            assertFalse(p.matcher(text).find(), () -> "not written for people (" + p + "): " + text);
        }
    }

    /**
     * @param e an exception whose message reaches an operator
     * @return the message, checked with {@link #assertForPeople(String)}
     */
    public static String messageForPeople(Throwable e) {
        assertForPeople(e.getMessage());
        return e.getMessage();
    }

    /**
     * @param result a host's result
     * @return its error, checked with {@link #assertForPeople(String)}
     */
    public static String errorForPeople(HostResult result) {
        assertForPeople(result.error());
        return result.error();
    }
}
