package io.conduit.core.run;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.SocketException;

import org.junit.jupiter.api.Test;

import io.conduit.api.testing.OperatorText;

/** The last guard before a host's line: what libraries print is cut to words. */
class ErrorTextTest {

    @Test
    void wrappedClassNamesAreCutAndTheWordsKept() {
        assertEquals("web1: Broken pipe",
                ErrorText.clean("web1: java.lang.RuntimeException: java.io.IOException: Broken pipe"));
        assertEquals("lost (Connection reset)", ErrorText.clean("lost (SocketException: Connection reset)"));
        assertEquals("Connection reset", ErrorText.of(new RuntimeException(new SocketException("Connection reset"))));
    }

    @Test
    void dumpsAndTracesNeverReachTheLine() {
        String cleaned = ErrorText.clean("bad value Settings[port=22, user=root]\n\tat io.x.Y.z(Y.java:1)");
        OperatorText.assertForPeople(cleaned);
        assertEquals("bad value (details in the log file)", cleaned);
    }

    @Test
    void anExceptionWithoutWordsSaysWhereToLook() {
        assertEquals("connection failed without a reason; see the log file", ErrorText.of(new IOException()));
        assertEquals("/srv/x: no such file or directory", ErrorText.of(new java.nio.file.NoSuchFileException("/srv/x")));
        assertEquals("internal error; the log file (data/log/conduit.log) has the details; please report it",
                ErrorText.unexpected(new NullPointerException()));
    }

    @Test
    void maskingAndCleaningKeepTheDroppedByteCounts() {
        io.conduit.api.task.HostResult cut = new io.conduit.api.task.HostResult("h", io.conduit.api.task.Status.FAILED,
                1, "out Pa55word-1".getBytes(java.nio.charset.StandardCharsets.UTF_8), new byte[0], true, false,
                "java.io.IOException: Broken pipe", java.time.Duration.ofMillis(5), 11, 0);
        RunSecrets secrets = new RunSecrets();
        secrets.add(io.conduit.api.connection.Secret.of("Pa55word-1"));

        io.conduit.api.task.HostResult shown = secrets.mask(ErrorText.clean(cut));

        assertEquals("out ***", new String(shown.stdout(), java.nio.charset.StandardCharsets.UTF_8));
        assertEquals("Broken pipe", shown.error());
        assertEquals(11, shown.stdoutDropped(), "the count survives both");
        assertEquals(0, shown.stderrDropped());
    }
}
