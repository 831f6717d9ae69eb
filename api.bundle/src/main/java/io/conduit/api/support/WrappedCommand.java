package io.conduit.api.support;

import io.conduit.api.connection.Become;
import io.conduit.api.connection.BecomeFailedException;
import io.conduit.api.connection.Command;
import io.conduit.api.connection.ExecResult;
import io.conduit.api.connection.StopOutcome;
import io.conduit.api.connection.TimedOutException;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;

/**
 * One run of a {@link Command} through Conduit's shared command wrapper: the line a shell-like plugin hands to
 * the host, the filters its output goes through, the become conversation and the stop.
 *
 * <p><b>Stop.</b> Without a pty, the wrapper (a POSIX {@code sh} script, run as the become user) starts the
 * command in a process group of its own ({@code setsid}), gives it exactly {@code stdin().length} bytes of the
 * channel's standard input followed by end of file, and then keeps reading the channel's standard input. When
 * that input ends (the plugin closed it to stop the command, or the connection died: the server closes the
 * pipe, also when Conduit was killed), it sends SIGTERM to the group, SIGKILL 2 seconds later, checks that no
 * process of the group is left and prints {@code MARKER stopped} (or {@code MARKER survived}) on stderr, which
 * {@link #stopOutcome()} reads. So a plugin must keep the channel's stdin open while the command runs and close
 * it to stop the command. This needs no SSH {@code signal} request (many servers ignore it) and no second
 * become. A plugin whose link can drop silently also sends a heartbeat ({@link #withHeartbeat}). With a pty
 * the terminal is the input: the plugin stops the command through the terminal (Ctrl-C,
 * then closing the channel, upon which the server hangs the terminal up), and the wrapper, which polls its
 * terminal every second, ends its whole process group (SIGTERM, SIGKILL 2 s later) once the terminal is gone;
 * nothing can report that back, so such a stop is never confirmed.
 *
 * <p><b>Become.</b> {@code sudo} is given a random prompt ({@code -p}) and {@code su} prints its own; the
 * password is written only when that prompt appears ({@link #awaitStart}), once. Before the wrapper's start line
 * ({@code MARKER PID}, printed by the wrapper once it runs as the become user, before it reads its input)
 * appears, stderr (stdout under a pty) is the become tool's talk and is not passed on; a
 * second prompt means the password was refused. Nothing is written to stdin that the become tool did not ask
 * for, so NOPASSWD rules and root logins never see the password (Ansible's become plugins wait for the prompt
 * the same way).
 *
 * <p>Thread safe: the output filters may be written by a transport's I/O threads while another thread waits in
 * {@link #awaitStart}.
 */
public final class WrappedCommand {
    /**
     * The wrapper, run as {@code sh -c WRAPPER conduit MARKER STDIN_BYTES SCRIPT HEARTBEAT_SECONDS ENV_BYTES};
     * {@code STDIN_BYTES} is -1 under a pty (no control input: the command is exec'd in the foreground). The
     * first {@code ENV_BYTES} of its input are {@code export NAME='value'} lines: the wrapper hands them, in its
     * child's environment, to the shell that evaluates them and then execs the command's shell. So environment
     * values travel on the input and in an environment, never on a command line that {@code ps} shows every user,
     * and they change nothing of the wrapper itself (a {@code PATH} or a variable named like one of its own).
     * The start line comes before the environment is read (with become, the input is written only after it) and
     * before the command starts in the background, so that nothing the command writes can precede it and be
     * taken for the become tool's talk.
     */
    static final String WRAPPER = """
            m=$1 n=$2 s=$3 h=${4:-0} e=${5:-0} c= g= x= k= t=
            a() { if [ "$g" = "-$c" ] && [ -r /proc/self/stat ]; then for f in /proc/[0-9]*/stat; do \
            read -r l 2>/dev/null <"$f" || continue; l=${l##*) }; set -- $l; [ "$3" = "$c" ] && [ "$1" != Z ] \
            && return 0; done; return 1; fi; kill -0 $g 2>/dev/null; }
            z() { x=1; [ -n "$c" ] || return 0; kill -TERM $g 2>/dev/null; kill -CONT $g 2>/dev/null; \
            if [ -z "$k" ]; then { trap 'kill $w 2>/dev/null; exit 0' TERM; sleep 2 & w=$!; wait $w; \
            kill -KILL $g; } </dev/null >/dev/null 2>&1 & k=$!; fi; }
            trap z USR1
            if [ "$n" -lt 0 ]; then printf '%s 0\\n' "$m" >&2; [ -t 0 ] || exec sh -c "$s"; exec 3<&0; \
            { trap '' HUP INT TERM; while [ -t 0 ]; do sleep 1; done; kill -TERM 0; sleep 2; kill -KILL 0; } <&3 \
            >/dev/null 2>&1 & k=$!; exec 3<&-; sh -c "$s"; r=$?; kill $k 2>/dev/null; exit $r; fi
            if [ -r /proc/$$/stat ]; then read -r l </proc/$$/stat; l=${l##*) }; set -- $l; t=${20}; fi
            printf '%s %s\\n' "$m" "$$" >&2
            exec 3<&0
            v=; if [ "$e" -gt 0 ]; then v=$(head -c "$e" <&3); fi
            if command -v setsid >/dev/null 2>&1; then g=setsid; else g=; fi
            { exec 2>/dev/null; [ "$n" -gt 0 ] && head -c "$n" <&3; exec >/dev/null; \
            ( if [ "$h" -gt 0 ] && command -v timeout >/dev/null 2>&1; then \
            while [ "$(timeout $h dd bs=1 count=1 2>/dev/null | wc -c)" -gt 0 ]; do :; done; \
            else cat >/dev/null; fi; if [ -n "$t" ]; then read -r l 2>/dev/null </proc/$$/stat || exit 0; \
            l=${l##*) }; set -- $l; [ "${20}" = "$t" ] || exit 0; fi; kill -USR1 $$ ) <&3 3<&- & } \
            | if [ -n "$v" ]; then export CONDUIT_ENV="$v"; exec $g sh -c 'eval "$CONDUIT_ENV"; unset CONDUIT_ENV; \
            exec "$0" -c "$1"' "$(command -v sh)" "$s"; else exec $g sh -c "$s"; fi 3<&- & c=$!
            if [ -n "$g" ]; then g=-$c; else g=$c; fi
            exec 3<&-
            [ -n "$x" ] && z
            wait $c 2>/dev/null; r=$?
            [ -n "$x" ] || exit $r
            wait $c 2>/dev/null; q=$?; [ $q -eq 127 ] || r=$q
            i=0; while a && [ $i -lt 30 ]; do sleep 0.1 2>/dev/null || sleep 1; i=$((i+1)); done
            if a; then printf '%s survived\\n' "$m" >&2; else kill $k 2>/dev/null; printf '%s stopped\\n' "$m" >&2; fi
            exit $r
            """;
    /** How long become may take at most (sudo or su to start the command) when a command has no deadline. */
    public static final Duration BECOME_TIMEOUT = Duration.ofSeconds(60);
    /** How often a plugin that asked for {@link #withHeartbeat} writes one byte on the command's stdin. */
    public static final Duration HEARTBEAT_INTERVAL = Duration.ofSeconds(1);
    /**
     * How long the wrapper waits for a heartbeat before it takes the connection for lost and stops the command
     * (a link that dropped without closing: neither side learns it from TCP for minutes).
     */
    public static final Duration HEARTBEAT_TIMEOUT = Duration.ofSeconds(10);
    /** At most this much become talk is kept for an error message (bytes). */
    private static final int PREAMBLE_LIMIT = 16 * 1024;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Command command;
    private final String marker;
    private final byte[] start;
    private final byte[] sudoPrompt;
    private final boolean pty;
    private volatile boolean heartbeat;
    private final Object lock = new Object();
    private final ByteArrayOutputStream preamble = new ByteArrayOutputStream();
    private int scanFrom;
    private int prompts;
    private int answered;
    private boolean started;
    private boolean ended;
    private boolean preambleShown;
    private String stopReport;

    private WrappedCommand(Command command, String marker) {
        this.command = command;
        this.marker = marker;
        this.start = (marker + " ").getBytes(StandardCharsets.US_ASCII);
        this.sudoPrompt = (marker + "-password:").getBytes(StandardCharsets.US_ASCII);
        this.pty = command.pty();
    }

    /**
     * Prepares one run of a command with a fresh random marker (64 bits from {@link SecureRandom}, so that no
     * output of the command can imitate the wrapper).
     *
     * @param command the command
     * @return the wrapped command
     */
    public static WrappedCommand of(Command command) {
        byte[] bytes = new byte[8];
        RANDOM.nextBytes(bytes);
        return new WrappedCommand(command, "conduit-" + HexFormat.of().formatHex(bytes));
    }

    /**
     * Asks the wrapper to expect a heartbeat: after the command's input, one byte every
     * {@link #HEARTBEAT_INTERVAL} ({@link #heartbeat}); with none for {@link #HEARTBEAT_TIMEOUT} it stops the
     * command as if the connection had closed. For transports whose link can drop without either side seeing a
     * close (SSH over a network). Ignored under a pty, whose input is the terminal. Needs {@code timeout} on the
     * host (coreutils, busybox); without it the wrapper watches for the end of its input only.
     *
     * @return this
     */
    public WrappedCommand withHeartbeat() {
        heartbeat = true;
        return this;
    }

    /** @return whether the plugin must write {@link #heartbeat} every {@link #HEARTBEAT_INTERVAL} */
    public boolean heartbeatExpected() {
        return heartbeat && !pty;
    }

    /**
     * Writes one heartbeat byte on the command's stdin (after its input), when {@link #heartbeatExpected()}.
     *
     * @param stdin the channel's standard input
     * @throws IOException the channel is gone
     */
    public void heartbeat(OutputStream stdin) throws IOException {
        if (heartbeatExpected()) {
            stdin.write('.');
            stdin.flush();
        }
    }

    /** @return whether the plugin must allocate a pty (the command asked for one) */
    public boolean pty() {
        return pty;
    }

    /**
     * Builds the single line to hand to the host's login shell: {@code sh -c WRAPPER ...}, or with become
     * {@code sudo -S -p PROMPT -H -u USER -- sh -c WRAPPER ...} or {@code su -s /bin/sh USER -c '...'}. The
     * become password is never part of it.
     *
     * @return the line
     */
    public String line() {
        // without a pty the environment travels on the input (environment()); a pty's input is the terminal,
        // so there it stays in the script
        String script = ShellCommand.script(pty ? command : command.withEnv(Map.of()));
        long n = pty ? -1 : command.stdin().length;
        String inner = "sh -c " + ShellCommand.quote(WRAPPER) + " conduit " + marker + " " + n + " "
                + ShellCommand.quote(script) + " " + (heartbeatExpected() ? HEARTBEAT_TIMEOUT.toSeconds() : 0)
                + " " + environment().length;
        Become become = command.become();
        if (become == null) {
            return inner;
        }
        return switch (become.method()) {
            case SUDO -> "sudo -S -p " + new String(sudoPrompt, StandardCharsets.US_ASCII) + " -H -u "
                    + ShellCommand.quote(become.user()) + " -- " + inner;
            case SU -> "su -s /bin/sh " + ShellCommand.quote(become.user()) + " -c " + ShellCommand.quote(inner);
        };
    }

    /**
     * What to write on the channel's standard input after {@link #awaitStart} returned (at once when there is no
     * become): the command's environment as {@code export} lines that the wrapper reads first (without a pty),
     * then the command's own standard input. Without a pty, the plugin then keeps stdin open until the command
     * ends or is to be stopped.
     *
     * @return the bytes
     */
    public byte[] input() {
        byte[] env = environment();
        if (env.length == 0) {
            return command.stdin();
        }
        byte[] stdin = command.stdin();
        byte[] all = Arrays.copyOf(env, env.length + stdin.length);
        System.arraycopy(stdin, 0, all, env.length, stdin.length);
        return all;
    }

    /** @return the {@code export NAME='value'} lines the wrapper evaluates first; empty under a pty */
    private byte[] environment() {
        if (pty || command.env().isEmpty()) {
            return new byte[0];
        }
        StringBuilder b = new StringBuilder();
        command.env().forEach((k, v) -> b.append("export ").append(k).append('=').append(ShellCommand.quote(v))
                .append('\n'));
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Wraps the sink of the command's stdout. Under a pty the wrapper's lines and the become prompts arrive
     * there, and are taken out.
     *
     * @param sink where the command's stdout goes
     * @return the stream to hand to the transport
     */
    public OutputStream stdout(OutputStream sink) {
        return pty ? new ControlFilter(sink) : sink;
    }

    /**
     * Wraps the sink of the command's stderr: the become tool's talk and the wrapper's lines are taken out.
     *
     * @param sink where the command's stderr goes
     * @return the stream to hand to the transport
     */
    public OutputStream stderr(OutputStream sink) {
        return pty ? sink : new ControlFilter(sink);
    }

    /**
     * Waits until the wrapper has started the command, answering the become tool's password prompt once. Returns
     * at once when the command has no become.
     *
     * @param stdin the channel's standard input, where the password is written
     * @param deadlineNanos the {@link System#nanoTime()} by which the command must have started
     * @throws BecomeFailedException the become tool asked for a password and none is set, refused the password,
     *         or ended before starting the command (its message is quoted)
     * @throws TimedOutException the deadline passed first
     * @throws java.io.InterruptedIOException the thread was interrupted
     * @throws IOException writing the password failed
     */
    public void awaitStart(OutputStream stdin, long deadlineNanos) throws IOException {
        Become become = command.become();
        if (become == null) {
            return;
        }
        while (true) {
            byte[] answer = null;
            synchronized (lock) {
                if (started) {
                    return;
                }
                if (prompts > answered) {
                    if (become.password() == null) {
                        throw new BecomeFailedException(tool() + " asked for a password to become "
                                + become.user() + " and none is set; set become_password in the inventory, "
                                + "--become-password-file, CONDUIT_BECOME_PASSWORD or -K, or allow NOPASSWD");
                    }
                    if (answered > 0) {
                        throw new BecomeFailedException(tool() + " refused the become password for "
                                + become.user() + saidSuffix() + "; check become_password");
                    }
                    String pw = become.password().reveal();
                    if (pw.indexOf('\n') >= 0 || pw.indexOf('\r') >= 0) {
                        throw new BecomeFailedException("the become password has a line break in it, which " + tool()
                                + " would cut there; give the password alone (a password file holds one line)");
                    }
                    answered++;
                    scanFrom = preamble.size();
                    answer = (become.password().reveal() + "\n").getBytes(StandardCharsets.UTF_8);
                } else if (ended) {
                    throw beforeStartFailure(become);
                } else {
                    long left = deadlineNanos - System.nanoTime();
                    if (left <= 0) {
                        throw new TimedOutException(tool() + " did not start the command as " + become.user()
                                + " in time" + saidSuffix(), null);
                    }
                    try {
                        lock.wait(Math.max(1, left / 1_000_000), 0);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new java.io.InterruptedIOException("interrupted while " + tool() + " started");
                    }
                }
            }
            if (answer != null) {
                try {
                    stdin.write(answer);
                    stdin.flush();
                } finally {
                    Arrays.fill(answer, (byte) 0);
                }
            }
        }
    }

    private BecomeFailedException beforeStartFailure(Become become) {
        String said = said();
        String hint;
        if (said.contains("tty") || said.contains("terminal")) {
            hint = "; the host requires a terminal for " + tool() + ": run with --pty";
        } else if (answered > 0 && become.method() == Become.Method.SU) {
            hint = "; check become_password (su takes the target user's password)";
        } else if (answered > 0) {
            hint = "; check become_password";
        } else {
            hint = "; check that " + tool() + " exists on the host and lets the login user become " + become.user();
        }
        return new BecomeFailedException(tool() + " ended before running the command as " + become.user()
                + (said.isEmpty() ? "" : ": " + said) + hint);
    }

    /**
     * Tells the wrapper that the transport has delivered all output (the channel or process ended). Flushes what
     * the filters held back; before {@link ExecResult} is built from the sinks.
     */
    public void ended() {
        synchronized (lock) {
            ended = true;
            lock.notifyAll();
        }
        ControlFilter f = control;
        if (f != null) {
            f.finish();
        }
    }

    /** @return whether the wrapper reported that it started the command */
    public boolean started() {
        synchronized (lock) {
            return started;
        }
    }

    /**
     * After {@link #ended}, whether the wrapper confirmed a stop: {@link StopOutcome#CONFIRMED} when it reported
     * that no process of the command's group is left, {@link StopOutcome#UNCONFIRMED} otherwise (under a pty,
     * or when the connection went away before the report).
     *
     * @return the outcome
     */
    public StopOutcome stopOutcome() {
        synchronized (lock) {
            return "stopped".equals(stopReport) ? StopOutcome.CONFIRMED : StopOutcome.UNCONFIRMED;
        }
    }

    /**
     * After {@link #ended}: whether the wrapper reported a stop at all (its standard input ended while the
     * command ran), confirmed or not.
     *
     * @return {@code true} when the command was stopped rather than ending by itself
     */
    public boolean stopReported() {
        synchronized (lock) {
            return stopReport != null;
        }
    }

    /** @return the become tool's talk before the command started, without prompts, for messages */
    private String said() {
        String text = new String(preamble.toByteArray(), StandardCharsets.UTF_8)
                .replace(new String(sudoPrompt, StandardCharsets.US_ASCII), "");
        int lecture = text.indexOf("We trust you have received");
        int lectureEnd = text.indexOf("#3)");
        if (lecture >= 0 && lectureEnd > lecture) { // sudo's first-use lecture says nothing about the failure
            int eol = text.indexOf('\n', lectureEnd);
            text = text.substring(0, lecture) + (eol < 0 ? "" : text.substring(eol + 1));
        }
        StringBuilder clean = new StringBuilder();
        for (String line : text.split("\r?\n|\r")) {
            String t = line.strip();
            // su's prompt has no newline: "Password: su: Authentication failure" keeps what follows it
            if (t.toLowerCase(Locale.ROOT).startsWith("password") && t.indexOf(':') >= 0) {
                t = t.substring(t.indexOf(':') + 1).strip();
            }
            if (t.isEmpty() || t.contains(marker)) {
                continue;
            }
            if (clean.length() > 0) {
                clean.append(" / ");
            }
            clean.append(t.replaceAll("\\p{Cntrl}", "?"));
        }
        return clean.length() > 300 ? clean.substring(0, 300) + "..." : clean.toString();
    }

    private String saidSuffix() {
        String said = said();
        return said.isEmpty() ? "" : " (" + said + ")";
    }

    private String tool() {
        return command.become() == null ? "the shell"
                : command.become().method().name().toLowerCase(Locale.ROOT);
    }

    private volatile ControlFilter control;

    /** Reads the control stream: become talk and the start line before the command, the stop line at the end. */
    private final class ControlFilter extends OutputStream {
        private final OutputStream sink;
        private final byte[] tail;
        private int tailSize;

        ControlFilter(OutputStream sink) {
            this.sink = sink;
            this.tail = new byte[marker.length() + 16];
            control = this;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            byte[] rest;
            synchronized (lock) {
                if (started) {
                    rest = Arrays.copyOfRange(b, off, off + len);
                } else {
                    preamble.write(b, off, len);
                    rest = scanPreamble();
                    if (rest == null) {
                        return;
                    }
                }
            }
            hold(rest, 0, rest.length);
        }

        /** Before the start line: looks for it and for prompts. @return bytes after the start line, or null */
        private byte[] scanPreamble() {
            byte[] all = preamble.toByteArray();
            int at = indexOf(all, start, 0);
            if (at >= 0) {
                int nl = at + start.length;
                while (nl < all.length && all[nl] != '\n') {
                    nl++;
                }
                if (nl < all.length) {
                    started = true;
                    lock.notifyAll();
                    byte[] rest = Arrays.copyOfRange(all, nl + 1, all.length);
                    preamble.reset();
                    return rest;
                }
                return null;
            }
            Become become = command.become();
            if (become != null) {
                int count = 0;
                for (int i = indexOf(all, sudoPrompt, 0); i >= 0; i = indexOf(all, sudoPrompt, i + 1)) {
                    count++;
                }
                if (become.method() == Become.Method.SU && count == 0) {
                    // su prints its own prompt (localized, no newline: "Password: ", "Passwort: ", "密码：")
                    String since = new String(all, Math.min(scanFrom, all.length), all.length
                            - Math.min(scanFrom, all.length), StandardCharsets.UTF_8);
                    String t = since.stripTrailing();
                    String last = t.substring(t.lastIndexOf('\n') + 1).strip();
                    // su's own messages ("su: Authentication failure") may arrive cut after "su:"; not a prompt
                    if (!since.endsWith("\n") && (t.endsWith(":") || t.endsWith("："))
                            && !last.startsWith("su:") && !last.startsWith("su ")) {
                        count = answered + 1;
                    }
                }
                if (count > prompts) {
                    prompts = count;
                    lock.notifyAll();
                }
            }
            if (all.length > PREAMBLE_LIMIT) {
                preamble.reset();
                preamble.write(all, all.length - PREAMBLE_LIMIT / 2, PREAMBLE_LIMIT / 2);
                scanFrom = 0;
            }
            return null;
        }

        /** Passes output on, holding back the last bytes, which may be the wrapper's stop line. */
        private void hold(byte[] b, int off, int len) throws IOException {
            synchronized (tail) {
                int total = tailSize + len;
                if (total <= tail.length) {
                    System.arraycopy(b, off, tail, tailSize, len);
                    tailSize = total;
                    return;
                }
                int flush = total - tail.length;
                int fromTail = Math.min(flush, tailSize);
                int fromB = flush - fromTail;
                sink.write(tail, 0, fromTail);
                sink.write(b, off, fromB);
                int kept = tailSize - fromTail;
                System.arraycopy(tail, fromTail, tail, 0, kept);
                System.arraycopy(b, off + fromB, tail, kept, len - fromB);
                tailSize = kept + len - fromB;
            }
        }

        void finish() {
            synchronized (tail) {
                try {
                    byte[] held = Arrays.copyOf(tail, tailSize);
                    tailSize = 0;
                    synchronized (lock) {
                        if (!started && !preambleShown && preamble.size() > 0) {
                            // the wrapper never started (the login shell failed): what was said is the error;
                            // kept as well for the become failure's message
                            held = concat(preamble.toByteArray(), held);
                            preambleShown = true;
                        }
                    }
                    String text = new String(held, StandardCharsets.ISO_8859_1);
                    for (String report : new String[] {"stopped", "survived"}) {
                        int at = text.lastIndexOf(marker + " " + report);
                        if (at >= 0) {
                            synchronized (lock) {
                                stopReport = report;
                            }
                            int end = text.indexOf('\n', at);
                            held = concat(Arrays.copyOf(held, at),
                                    end < 0 ? new byte[0] : Arrays.copyOfRange(held, end + 1, held.length));
                            break;
                        }
                    }
                    sink.write(held);
                } catch (IOException e) {
                    // the sink is a memory buffer in every plugin; nothing to report
                }
            }
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] all = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    private static int indexOf(byte[] haystack, byte[] needle, int from) {
        outer:
        for (int i = Math.max(0, from); i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
