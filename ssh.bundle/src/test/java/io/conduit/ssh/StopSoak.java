package io.conduit.ssh;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.conduit.api.connection.Command;
import io.conduit.api.connection.CommandStoppedException;
import io.conduit.api.connection.Connection;
import io.conduit.api.connection.ExecResult;
import io.conduit.api.connection.StopOutcome;
import io.conduit.api.connection.TimedOutException;
import io.conduit.api.testing.HostProcesses;

/**
 * The many-repetition figures of the stop and become work, for bench/stop.sh (not part of the test suite: its
 * name matches no surefire pattern). On the same OpenSSH sshd as {@link SshStopTest}: su's success rate over
 * {@code -Dsoak.su=50} logins, and for each way of ending early and each become, how many processes survive
 * 2 s after the result over {@code -Dsoak.rounds=10} rounds of 12 commands at once. Prints {@code RESULT} lines.
 */
class StopSoak extends SshStopTest {

    @Test
    @Timeout(value = 30, unit = TimeUnit.MINUTES)
    void soakSuLogins() throws Exception {
        int n = Integer.getInteger("soak.su", 50);
        Connection c = connect(TestUsers.SUDO);
        int ok = 0;
        List<Long> millis = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            try {
                ExecResult r = c.exec(Command.shell("id -un").withBecome(SU.become()).withTimeout(Duration.ofSeconds(30)));
                if (r.exitCode() == 0 && r.stdoutText().equals(TestUsers.TARGET + "\n") && r.stderrText().isEmpty()) {
                    ok++;
                }
            } catch (java.io.IOException e) {
                System.out.println("su run " + i + " failed: " + e.getMessage());
            }
            millis.add((System.nanoTime() - t0) / 1_000_000);
        }
        Collections.sort(millis);
        System.out.printf("RESULT su logins=%d ok=%d median_ms=%d max_ms=%d%n", n, ok, millis.get(n / 2),
                millis.get(n - 1));
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.MINUTES)
    void soakEveryWayOfEndingTwelveAtOnce() throws Exception {
        int rounds = Integer.getInteger("soak.rounds", 10);
        ExecutorService pool = Executors.newFixedThreadPool(12);
        try {
            for (Variant v : List.of(ROOT, USER, SUDO, NOPASSWD, SU)) {
                for (Ending ending : Ending.values()) {
                    int survivors = 0;
                    int confirmed = 0;
                    int total = 0;
                    for (int round = 0; round < rounds; round++) {
                        List<Long> ms = new ArrayList<>();
                        List<Future<Exception>> calls = new ArrayList<>();
                        for (int i = 0; i < 12; i++) {
                            long m = mark(); // each command its own mark: each is ended once it runs
                            ms.add(m);
                            Connection c = connect(v.login());
                            Command command = Command.shell("sleep " + m + " & sleep " + m).withBecome(v.become());
                            calls.add(pool.submit(() -> endEarly(c, command, ending, m)));
                        }
                        for (Future<Exception> f : calls) {
                            Exception e = f.get(120, TimeUnit.SECONDS);
                            StopOutcome o = e instanceof TimedOutException t ? t.outcome()
                                    : e instanceof CommandStoppedException s ? s.outcome() : null;
                            total++;
                            if (o == StopOutcome.CONFIRMED) {
                                confirmed++;
                            }
                        }
                        for (long m : ms) {
                            survivors += HostProcesses.survivors(m, Duration.ofSeconds(2)).size();
                            HostProcesses.kill(m);
                        }
                    }
                    System.out.printf("RESULT stop variant=\"%s\" ending=%s commands=%d confirmed=%d"
                            + " survivors_after_2s=%d%n", v, ending, total, confirmed, survivors);
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
