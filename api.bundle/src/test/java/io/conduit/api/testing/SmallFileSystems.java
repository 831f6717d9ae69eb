package io.conduit.api.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * File systems that fail writes the way operators' disks do, mounted on this machine (the tests run as root):
 * a tmpfs that is full, and one mounted read-only. The host side of local, ssh-to-loopback and the in-JVM agent
 * is this machine, so every plugin's fault tests can write to them. Unmounted by {@link #close()}.
 */
public final class SmallFileSystems implements AutoCloseable {
    private final List<Path> mounts = new ArrayList<>();

    /**
     * Mounts a 256 KiB tmpfs at {@code dir} and fills it, so that no file of more than a few bytes fits.
     *
     * @param dir an empty directory (created)
     * @return {@code dir}
     * @throws IOException mount failed (not root?)
     */
    public Path full(Path dir) throws IOException {
        mount(dir, "size=256k");
        Path filler = dir.resolve("filler");
        // dd stops at ENOSPC with status 1: the file system is then full to the last block
        run("dd", "if=/dev/zero", "of=" + filler, "bs=4k", "count=1000");
        return dir;
    }

    /**
     * Mounts a small tmpfs at {@code dir} holding an empty directory {@code sub}, then remounts it read-only.
     *
     * @param dir an empty directory (created)
     * @return {@code dir}
     * @throws IOException mount failed
     */
    public Path readOnly(Path dir) throws IOException {
        mount(dir, "size=256k");
        Files.createDirectories(dir.resolve("sub"));
        expect(run("mount", "-o", "remount,ro", dir.toString()), "remount read-only " + dir);
        return dir;
    }

    private void mount(Path dir, String options) throws IOException {
        Files.createDirectories(dir);
        expect(run("mount", "-t", "tmpfs", "-o", options, "conduit-test", dir.toString()), "mount " + dir);
        mounts.add(0, dir);
    }

    @Override
    public void close() throws IOException {
        for (Path m : mounts) {
            run("umount", "-l", m.toString());
        }
        mounts.clear();
    }

    private static void expect(int status, String what) throws IOException {
        if (status != 0) {
            throw new IOException(what + " failed with status " + status + " (the tests mount tmpfs as root)");
        }
    }

    private static int run(String... argv) throws IOException {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect
                .DISCARD).start();
        try {
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", argv) + " did not end within 30 s");
            }
            return p.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }
}
