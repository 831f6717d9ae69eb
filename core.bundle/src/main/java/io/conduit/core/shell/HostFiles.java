package io.conduit.core.shell;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

import io.conduit.api.task.HostResult;
import io.conduit.core.task.FetchTask;

/**
 * {@code -o DIR} and {@code -e DIR}: each host's stdout and stderr kept in a file named after the host, as
 * parallel-ssh's {@code --outdir}/{@code --errdir} do. A file holds exactly the bytes kept (up to the output
 * limit; whether and how much was cut is in the printed result, never inside the file, which may be binary).
 * Every selected host gets its files, empty when it printed nothing or was never reached, and a file of an
 * earlier run with the same name is replaced.
 */
final class HostFiles {
    private final Path outDir;
    private final Path errDir;

    private HostFiles(Path outDir, Path errDir) {
        this.outDir = outDir;
        this.errDir = errDir;
    }

    /**
     * Resolves and creates the directories before anything runs, so that a bad one stops the run.
     *
     * @param outDir {@code -o} as given, or {@code null}
     * @param errDir {@code -e} as given, or {@code null}
     * @return the files, or {@code null} when neither option was given
     * @throws IllegalArgumentException a directory cannot be created or written (the message names the option)
     */
    static HostFiles of(String outDir, String errDir) {
        if (outDir == null && errDir == null) {
            return null;
        }
        return new HostFiles(directory("-o/--outdir", outDir), directory("-e/--errdir", errDir));
    }

    private static Path directory(String option, String name) {
        if (name == null) {
            return null;
        }
        if (name.isEmpty()) {
            throw new IllegalArgumentException(option + ": an empty name; give a directory");
        }
        Path dir = Args.localPath(name);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new IllegalArgumentException(option + ": cannot create " + dir + " (" + e.getMessage()
                    + "); give a directory you can write");
        }
        if (!Files.isWritable(dir)) {
            throw new IllegalArgumentException(option + ": " + dir + " is not writable; give a directory you can"
                    + " write");
        }
        return dir;
    }

    /**
     * Writes one host's files. Uses plain streams, not channels: a worker thread reporting after an interrupt
     * (Ctrl-C, a host timeout) must still be able to write.
     *
     * @param host the host's result
     * @return what could not be written, for the operator, or {@code null} when all was written
     */
    String save(HostResult host) {
        String name = fileName(host.host());
        StringBuilder problems = new StringBuilder();
        write("-o", outDir, name, host.stdout(), problems);
        write("-e", errDir, name, host.stderr(), problems);
        return problems.isEmpty() ? null : problems.toString();
    }

    private static void write(String option, Path dir, String name, byte[] bytes, StringBuilder problems) {
        if (dir == null) {
            return;
        }
        Path file = dir.resolve(name);
        try (OutputStream out = new FileOutputStream(file.toFile())) {
            out.write(bytes);
        } catch (IOException e) {
            problems.append(problems.isEmpty() ? "" : "; ").append(option).append(": cannot write ").append(file)
                    .append(" (").append(e.getMessage()).append(")");
        }
    }

    /** @see FetchTask#fileName(String) */
    static String fileName(String host) {
        return FetchTask.fileName(host);
    }
}
