package io.conduit.launcher;

import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;

import org.apache.felix.framework.Logger;

/**
 * Felix's own messages (resolution errors, exceptions of listeners) go to {@code data/log/framework.log}
 * instead of Felix's default, standard output, where they would mix with command output. With
 * {@code CONDUIT_DEBUG=1} they are also copied to standard error.
 */
final class FrameworkLog extends Logger {
    private final Path file;
    private final PrintStream err;
    private final boolean debug;

    FrameworkLog(Path file, PrintStream err, boolean debug) {
        this.file = file;
        this.err = err;
        this.debug = debug;
    }

    @Override
    protected void doLogOut(int level, String message, Throwable throwable) {
        String name = switch (level) {
            case LOG_ERROR -> "ERROR";
            case LOG_WARNING -> "WARN";
            case LOG_INFO -> "INFO";
            default -> "DEBUG";
        };
        StringBuilder line = new StringBuilder()
                .append(OffsetDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME))
                .append(" | ").append(name).append(" | ").append(message).append(System.lineSeparator());
        if (throwable != null) {
            StringWriter trace = new StringWriter();
            throwable.printStackTrace(new PrintWriter(trace));
            line.append(trace);
        }
        synchronized (this) {
            try {
                Files.writeString(file, line, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                        StandardOpenOption.APPEND);
            } catch (IOException e) {
                // the log folder is gone or read-only: the message must not be lost entirely
                err.print("conduit: cannot write " + file + " (" + e.getMessage() + "): " + line);
                err.flush();
                return;
            }
        }
        if (debug) {
            err.print("felix: " + line);
            err.flush();
        }
    }
}
