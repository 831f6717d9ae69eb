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
}
