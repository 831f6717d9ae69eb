package io.conduit.core.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.conduit.api.connection.Become;
import io.conduit.api.connection.Command;
import io.conduit.api.connection.ExecResult;
import io.conduit.api.connection.Secret;
import io.conduit.api.task.HostResult;
import io.conduit.api.task.RunOptions;
import io.conduit.api.task.Status;

/** What one node writes, every node reads back the same: works, records and answers. */
class WorkCodecTest {

    @Test
    void aWorkComesBackWholeWithItsCommandOptionsAndSecrets() {
        Command c = Command.argv(List.of("printf", "%s\n", "a b")).withCwd("/srv").withEnv(Map.of("TOKEN", "t0k"))
                .withStdin(new byte[] {0, (byte) 0xff, 10}).withTimeout(Duration.ofMillis(1500)).withPty(true)
                .withBecome(new Become(Become.Method.SU, "app", Secret.of("pw"))).withSuccessCodes(Set.of(0, 3))
                .withOutputLimit(4096);
        RunOptions options = new RunOptions("/abs/inventory.yaml", 7, Duration.ofSeconds(9), 65536L, 2, true, false);
        ClusterWork w = new ClusterWork("3@127.0.0.1:5701", "127.0.0.1:5701", ClusterWork.Kind.RUN, c, null, null,
                null, options, 2, Duration.ofMillis(250), List.of("web1", "web2"), true);
        ClusterWork back = WorkCodec.work(WorkCodec.work(w));
        assertEquals(w, back);
        assertEquals(c, back.command());
        assertEquals("pw", back.command().become().password().reveal());
        assertFalse(back.toString().contains("t0k") || back.toString().contains("pw"), back.toString());

        ClusterWork task = new ClusterWork("r1@x:1", "x:1", ClusterWork.Kind.TASK, null, "file", Map.of("path", "/a",
                "state", "absent"), Become.sudo("root", null), RunOptions.defaults(), 0, null, List.of("h"), false);
        assertEquals(task, WorkCodec.work(WorkCodec.work(task)));
    }

    @Test
    void aResultComesBackWithItsBytesTruncationAndNode() {
        ExecResult exec = new ExecResult(3, new byte[] {(byte) 0xc3, 0x28}, "err\n".getBytes(StandardCharsets.UTF_8),
                Duration.ofMillis(42), true, true, 123, ExecResult.UNCOUNTED);
        HostResult r = new HostResult("web1", Status.FAILED, exec, true, "exit code 3", Duration.ofMillis(42));
        List<HostRecord> back = WorkCodec.answer(WorkCodec.answer(List.of(new HostRecord(HostRecord.DONE, "n:1", true,
                r), new HostRecord(HostRecord.STARTED, "n:2", false, null))));
        HostResult h = back.get(0).result();
        assertEquals("n:1", back.get(0).node());
        assertTrue(back.get(0).interrupted());
        assertEquals(3, h.exitCode());
        assertArrayEquals(exec.stdout(), h.exec().stdout());
        assertTrue(h.exec().stdoutTruncated());
        assertEquals(123, h.exec().stdoutDropped());
        assertEquals(ExecResult.UNCOUNTED, h.exec().stderrDropped());
        assertEquals("exit code 3", h.error());
        assertEquals(42, h.duration().toMillis());
        assertEquals(HostRecord.STARTED, back.get(1).state());
        HostResult notExited = WorkCodec.record(WorkCodec.record(new HostRecord(HostRecord.DONE, "n", false,
                HostResult.of("db", Status.UNREACHABLE, "connection refused")))).result();
        assertEquals(null, notExited.exitCode());
        assertEquals(Status.UNREACHABLE, notExited.status());
    }

    @Test
    void whatCannotBeReadIsRefusedWithoutQuotingIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> WorkCodec.work("{\"password\": \"hunter2\"".getBytes(StandardCharsets.UTF_8)));
        assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
    }
}
