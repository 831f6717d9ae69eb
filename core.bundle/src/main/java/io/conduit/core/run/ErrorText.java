package io.conduit.core.run;

import java.util.regex.Pattern;

import io.conduit.api.task.HostResult;

/**
 * Turns failures into the text of a host's line. Plugins write their messages for people (STYLE.md, section 7);
 * this is the guard for what slips through from libraries: a Java class name ({@code java.net.SocketException:
 * Connection reset}, as {@code Throwable.toString()} and wrapping exceptions print it) is cut, a stack trace is
 * cut, and a record's dump is replaced by a pointer to the log file, where the whole exception is.
 */
public final class ErrorText {
    /** {@code java.lang.RuntimeException: } and the like, as a wrapping exception's message starts. */
    private static final Pattern QUALIFIED = Pattern.compile(
            "\\b(?:[a-z_$][\\w$]*\\.)+[A-Z][\\w$]*(?:Exception|Error)\\b(?::\\s*)?");
    /** {@code SocketException: } where a message quotes a simple name before the cause's words. */
    private static final Pattern SIMPLE = Pattern.compile("\\b[A-Z]\\w*(?:Exception|Error): ");
    /** {@code Name[key=value, ...]}: a record or object dump. */
    private static final Pattern DUMP = Pattern.compile("\\b[A-Z]\\w*\\[[^\\]]*=[^\\]]*]");
    private static final Pattern TRACE = Pattern.compile("\\r?\\n\\s*at [\\w.$]+\\(.*", Pattern.DOTALL);

    private ErrorText() {
    }

    /**
     * @param e a failure reported for a host
     * @return its message for people, or words for its kind when it has none
     */
    public static String of(Throwable e) {
        if (e instanceof java.nio.file.FileSystemException f && f.getReason() == null) {
            // the JDK's message is then only the path: its type is the reason
            return (f.getFile() == null ? "" : f.getFile() + ": ") + (f instanceof java.nio.file.NoSuchFileException
                    ? "no such file or directory" : f instanceof java.nio.file.AccessDeniedException
                    ? "permission denied" : f instanceof java.nio.file.FileAlreadyExistsException ? "already exists"
                    : "file system error");
        }
        String m = clean(e.getMessage());
        if (m == null || m.isBlank()) {
            // a message-less exception: the first cause with words, else what happened in general terms
            for (Throwable c = e.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
                String said = clean(c.getMessage());
                if (said != null && !said.isBlank()) {
                    return said;
                }
            }
            return e instanceof java.io.IOException ? "connection failed without a reason; see the log file"
                    : "failed without a reason; see the log file";
        }
        return m;
    }

    /**
     * @param e a failure that is a fault in Conduit or a plugin rather than the host's (the runner logs it whole)
     * @return a line saying so, with the message's words, pointing at the log file
     */
    public static String unexpected(RuntimeException e) {
        String m = clean(e.getMessage());
        return "internal error" + (m == null || m.isBlank() ? "" : ": " + m)
                + "; the log file (data/log/conduit.log) has the details; please report it";
    }

    /**
     * @param text a message, or {@code null}
     * @return the message without class names, stack trace or record dumps, or {@code null}
     */
    public static String clean(String text) {
        if (text == null) {
            return null;
        }
        String t = TRACE.matcher(text).replaceAll("");
        t = QUALIFIED.matcher(t).replaceAll("");
        t = SIMPLE.matcher(t).replaceAll("");
        t = DUMP.matcher(t).replaceAll("(details in the log file)");
        t = t.replaceAll(" {2,}", " ").strip();
        return t.isEmpty() && !text.isBlank() ? "failed; see the log file" : t;
    }

    /**
     * @param result a host's result
     * @return the same result, its error cleaned with {@link #clean(String)}
     */
    static HostResult clean(HostResult result) {
        String error = result.error();
        String cleaned = clean(error);
        if (error == null || error.equals(cleaned)) {
            return result;
        }
        return result.with(result.exec(), cleaned);
    }
}
