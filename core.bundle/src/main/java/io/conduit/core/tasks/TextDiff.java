package io.conduit.core.tasks;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import com.github.difflib.DiffUtils;
import com.github.difflib.UnifiedDiffUtils;
import com.github.difflib.patch.Patch;

import io.conduit.api.connection.RemoteFile;
import io.conduit.api.connection.Trace;
import io.conduit.api.task.HostResult;
import io.conduit.api.task.Status;
import io.conduit.api.task.TaskContext;
import io.conduit.core.task.FetchTask;

/**
 * {@code --diff} for a file put on a host (put of a text file, template): the unified difference between what the
 * host has and what is sent, in the form of {@code diff -u} (three lines of context), headed
 * {@code --- PATH (before)} and {@code +++ PATH (after)}. Only text is compared: both sides at most
 * {@link #MAX_BYTES}, valid UTF-8 and free of NUL bytes (what {@code git diff} takes for binary); otherwise the
 * output says {@value #NO_DIFF}.
 */
final class TextDiff {
    /** The largest file, on either side, whose difference is shown: 1 MiB. */
    static final long MAX_BYTES = 1 << 20;
    /** What the output says for a file that is not compared. */
    static final String NO_DIFF = "binary or large file: no diff";
    private static final String NO_NEWLINE = "\\ No newline at end of file";

    private TextDiff() {
    }

    /**
     * The difference the put of {@code local} to {@code target} would make, read before the put: the host's file
     * is asked for its size and SHA-256 and, when it differs and is small, fetched (with the context's become) into
     * a private temporary directory that is removed afterwards.
     *
     * @param context the host's context
     * @param become the user the put reads and writes as, or {@code null}
     * @param local the file that is sent
     * @param target where it goes on the host (a resolved path, not ending in {@code /})
     * @return the diff's lines, each ending in a newline; empty when the content is the same; {@value #NO_DIFF}
     *         when it is not text; a line saying why when the host's file could not be read
     * @throws IOException the host could not be asked
     */
    static String forPut(TaskContext context, io.conduit.api.connection.Become become, Path local, String target)
            throws IOException {
        Optional<RemoteFile> there = context.connection().stat(target, true, HostCommands.access(context, become),
                Trace.OFF);
        if (there.isPresent() && there.get().type() != RemoteFile.Type.FILE) {
            return "";
        }
        if (Files.size(local) > MAX_BYTES || there.isPresent() && there.get().size() > MAX_BYTES) {
            return NO_DIFF + "\n";
        }
        byte[] after = Files.readAllBytes(local);
        if (there.isEmpty()) {
            return unified(target, new byte[0], after);
        }
        if (sha256(after).equals(there.get().sha256())) {
            return "";
        }
        Path dir = Files.createTempDirectory("conduit-diff-");
        try {
            HostResult fetched = new FetchTask(target, dir, false, become).execute(context);
            if (fetched.status() != Status.OK) {
                return "no diff: the host's " + target + " could not be read: " + fetched.error() + "\n";
            }
            Path copy = dir.resolve(FetchTask.fileName(context.host().name())).resolve(
                    Path.of(target).getFileName().toString());
            return unified(target, Files.readAllBytes(copy), after);
        } catch (IOException e) {
            return "no diff: the host's " + target + " could not be read: " + e.getMessage() + "\n";
        } finally {
            deleteTree(dir);
        }
    }

    /**
     * @param path the file's path, for the header
     * @param before the content before ({@code new byte[0]} for a new file)
     * @param after the content after
     * @return the unified diff, each line ending in a newline; empty when they are equal; {@value #NO_DIFF} and a
     *         newline when either is not text
     */
    static String unified(String path, byte[] before, byte[] after) {
        if (before.length > MAX_BYTES || after.length > MAX_BYTES) {
            return NO_DIFF + "\n";
        }
        String a = text(before);
        String b = text(after);
        if (a == null || b == null) {
            return NO_DIFF + "\n";
        }
        if (a.equals(b)) {
            return "";
        }
        List<String> old = lines(a);
        List<String> now = lines(b);
        Patch<String> patch = DiffUtils.diff(old, now);
        List<String> out = UnifiedDiffUtils.generateUnifiedDiff(path + " (before)", path + " (after)", old, patch, 3);
        StringBuilder s = new StringBuilder();
        for (String line : out) {
            s.append(line).append('\n');
        }
        return s.toString();
    }

    /** The text of UTF-8 bytes without NUL, or {@code null} for anything else. */
    private static String text(byte[] bytes) {
        for (byte b : bytes) {
            if (b == 0) {
                return null;
            }
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    /**
     * Lines without their newlines; a last line without one carries {@code diff -u}'s marker on a line of its own,
     * so that a newline added or removed at the end shows as a change.
     */
    private static List<String> lines(String text) {
        List<String> lines = new ArrayList<>(List.of(text.split("\n", -1)));
        if (lines.get(lines.size() - 1).isEmpty()) {
            lines.remove(lines.size() - 1);
        } else {
            lines.set(lines.size() - 1, lines.get(lines.size() - 1) + "\n" + NO_NEWLINE);
        }
        return lines;
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java has SHA-256", e);
        }
    }

    static void deleteTree(Path root) {
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException ignored) {
            // a temporary directory left behind is not the task's failure
        }
    }
}
