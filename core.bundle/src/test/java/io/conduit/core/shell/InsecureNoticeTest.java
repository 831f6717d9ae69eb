package io.conduit.core.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import io.conduit.api.task.HostResult;
import io.conduit.api.task.RunListener;
import io.conduit.api.task.Status;

/** The run's insecure choices: one line on stderr once every host finished, hosts grouped per choice. */
class InsecureNoticeTest {

    @Test
    void oneLinePerRunNamingEachChoiceAndItsHosts() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        InsecureNotice notice = new InsecureNotice(RunListener.NONE, new PrintStream(err, true, StandardCharsets.UTF_8));
        notice.started(8);
        for (int i = 1; i <= 7; i++) {
            notice.warned("web" + i, "host_key_checking: off (x)");
        }
        notice.warned("dev1", "use_ssl: false with a token (y)");
        for (int i = 1; i <= 7; i++) {
            notice.finished(HostResult.of("web" + i, Status.OK, null));
            assertEquals("", err.toString(StandardCharsets.UTF_8), "nothing before the last host");
        }
        notice.finished(HostResult.of("dev1", Status.OK, null));
        notice.print(); // a second call prints nothing more
        assertEquals("conduit: WARNING: insecure: host_key_checking: off (x) on web1, web2, web3, web4, web5 and 2 more;"
                + " use_ssl: false with a token (y) on dev1" + System.lineSeparator(), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aRunWithoutInsecureChoicesPrintsNothing() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        InsecureNotice notice = new InsecureNotice(RunListener.NONE, new PrintStream(err, true, StandardCharsets.UTF_8));
        notice.started(1);
        notice.finished(HostResult.of("a", Status.OK, null));
        assertEquals("", err.toString(StandardCharsets.UTF_8));
    }
}
