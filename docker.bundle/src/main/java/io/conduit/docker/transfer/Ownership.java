package io.conduit.docker.transfer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.github.dockerjava.api.exception.NotFoundException;

import io.conduit.api.connection.Command;
import io.conduit.api.connection.ConnectionException;
import io.conduit.api.connection.ExecResult;
import io.conduit.docker.archive.Tar;
import io.conduit.docker.exec.CommandRunner;
import io.conduit.docker.exec.Container;

/**
 * What a put learns once per connection about the container: who owns put files (the connection's user, looked up
 * in the container's {@code /etc/passwd} and {@code /etc/group}) and how its {@code mv} renames. Thread safe.
 */
final class Ownership {
    private static final Logger LOG = LoggerFactory.getLogger(Ownership.class);

    private final Container target;
    private final String container;
    private final CommandRunner runner;
    private final AtomicReference<int[]> owner = new AtomicReference<>();
    /** How put renames: null unknown, "" no mv, "-f" plain, "-fT" never into a directory. */
    private volatile String moveFlags;

    Ownership(Container target, CommandRunner runner) {
        this.target = target;
        this.container = target.name();
        this.runner = runner;
    }

    /**
     * How to rename in the container: without {@code mv} put writes in place (not atomically); with an {@code mv}
     * that knows {@code -T} (GNU, busybox) a directory under the target path is refused instead of moved into.
     */
    String moveFlags() throws IOException {
        String known = moveFlags;
        if (known == null) {
            ExecResult probe = runner.exec(Command.argv(List.of("mv", "--help")).withOutputLimit(4096)
                    .withTimeout(Duration.ofSeconds(30)));
            String help = probe.stdoutText() + probe.stderrText();
            if (probe.exitCode() == 126 || probe.exitCode() == 127) {
                known = "";
                LOG.debug("{}: no mv in container {}; put writes in place", target.host(), container);
            } else {
                known = help.contains("-T") || help.contains("T]") || help.contains("no-target-directory") ? "-fT" : "-f";
            }
            moveFlags = known;
        }
        return known;
    }

    /** uid and gid that put files get: those of the connection's user, like a file a command would create. */
    int[] owner() throws IOException {
        int[] known = owner.get();
        if (known != null) {
            return known;
        }
        String who = target.user() != null ? target.user() : target.imageUser();
        int[] ids = who == null || who.isBlank() ? new int[] {0, 0} : resolveUser(who.trim());
        owner.set(ids);
        return ids;
    }

    private int[] resolveUser(String who) throws IOException {
        String name = who;
        String group = null;
        int colon = who.indexOf(':');
        if (colon >= 0) {
            name = who.substring(0, colon);
            group = who.substring(colon + 1);
        }
        Integer uid = number(name);
        Integer gid = group == null ? null : number(group);
        if (uid == null || (gid == null && group == null)) {
            // look the name (or the uid's primary group) up in the container's /etc/passwd
            for (String line : readSmall("/etc/passwd")) {
                String[] f = line.split(":");
                if (f.length >= 4 && (f[0].equals(name) || f[2].equals(name))) {
                    uid = Integer.parseInt(f[2]);
                    if (group == null) {
                        gid = Integer.parseInt(f[3]);
                    }
                    break;
                }
            }
            if (uid == null) {
                throw new ConnectionException("container \"" + container + "\": user \"" + name + "\" is not in"
                        + " /etc/passwd; set the user option to a uid such as 1000:1000");
            }
        }
        if (gid == null && group != null) {
            for (String line : readSmall("/etc/group")) {
                String[] f = line.split(":");
                if (f.length >= 3 && f[0].equals(group)) {
                    gid = Integer.parseInt(f[2]);
                    break;
                }
            }
            if (gid == null) {
                throw new ConnectionException("container \"" + container + "\": group \"" + group + "\" is not in"
                        + " /etc/group; use a gid such as 1000");
            }
        }
        return new int[] {uid, gid == null ? 0 : gid};
    }

    private static Integer number(String text) {
        return text.matches("\\d{1,9}") ? Integer.valueOf(text) : null;
    }

    private List<String> readSmall(String path) throws IOException {
        List<String> lines = new ArrayList<>();
        try (InputStream in = target.client().api().copyArchiveFromContainerCmd(target.id(), path).exec()) {
            Tar.Reader reader = new Tar.Reader(in);
            Tar.Entry entry = reader.next();
            if (entry == null || !entry.isFile()) {
                return lines;
            }
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            byte[] buffer = new byte[8192];
            for (int n = reader.read(buffer, 0, buffer.length); n >= 0 && bytes.size() < 1 << 20;
                    n = reader.read(buffer, 0, buffer.length)) {
                bytes.write(buffer, 0, n);
            }
            lines.addAll(List.of(bytes.toString(StandardCharsets.UTF_8).split("\n")));
        } catch (NotFoundException e) {
            if (Container.isGone(e)) {
                throw target.problem(e);
            }
        } catch (RuntimeException e) {
            throw target.problem(e);
        }
        return lines;
    }
}
