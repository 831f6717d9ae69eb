package io.conduit.rest.connection;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.Locale;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

import io.conduit.api.connection.ConnectionException;
import io.conduit.api.connection.FileProblem;
import io.conduit.api.connection.TransferFailedException;

/**
 * Reads why a transfer failed: the device's answer (PROTOCOL.md, "Errors") and the local file system's
 * exceptions, into {@link FileProblem}'s words; and the file mode a device sends with a file.
 */
final class FileRefusals {
    private FileRefusals() {
    }

    /**
     * The cause of a refused transfer, as the device names it: its {@code "problem"} (PROTOCOL.md, "Errors"), or
     * for a device that does not send one an {@code errno} text in its {@code error} (older reference agents:
     * "I/O error on the device: No space left on device", "X is a directory", "permission denied writing in X"),
     * a {@code 404} that speaks of a directory ("directory X does not exist"), or {@code 507}.
     *
     * @param status the answer's status; a {@code 401} is never a file's cause
     * @param body the answer's body, JSON or not
     * @return the cause, or {@code null} when the device named none
     */
    static FileProblem named(int status, byte[] body) {
        String problem = field(body, "problem");
        if (problem != null) {
            for (FileProblem p : FileProblem.values()) {
                if (p.probeName().equals(problem)) {
                    return p;
                }
            }
        }
        if (status == 401) {
            return null;
        }
        String error = field(body, "error");
        FileProblem said = FileProblem.fromErrorText(error);
        if (said == null && status == 404 && error != null && error.toLowerCase(Locale.ROOT).contains("director")) {
            said = FileProblem.MISSING_DIRECTORY;
        }
        return said != null ? said : status == 507 ? FileProblem.NO_SPACE : null;
    }

    /**
     * A local file a fetch could not write, in the same words as a device's refusal: the JDK's exception type
     * ({@code AccessDeniedException} carries no errno text) or the system's {@code errno} text.
     *
     * @param remotePath the file the fetch read on the device
     * @param local the local file the fetch was writing
     * @param e what the local file system threw
     * @return a {@link TransferFailedException} naming the local file, or a {@link ConnectionException} with the
     *         system's words when the cause is none of {@link FileProblem}'s
     */
    static ConnectionException local(String remotePath, Path local, IOException e) {
        FileProblem problem = FileProblem.fromLocalFailure(e);
        if (problem != null) {
            return TransferFailedException.here(remotePath, local, problem, e);
        }
        String said = e instanceof FileSystemException f ? f.getReason() : e.getMessage();
        return new ConnectionException("fetch: cannot write " + local + " (" + said + ")", e);
    }

    /**
     * @param mode the mode a device sent with a file: octal digits, {@code "0755"} or {@code "755"}
     * @return its bits as {@code chmod} takes them ({@code 0} to {@code 07777}; a local copy keeps
     *         {@code 0} to {@code 0777}, {@link io.conduit.api.support.LocalCopy#setMode}), or {@code -1} when
     *         absent or not a mode
     */
    static int mode(String mode) {
        return mode == null || !mode.matches("0?[0-7]{3,4}") ? -1 : Integer.parseInt(mode, 8);
    }

    /** @return a text field of a JSON error body, or {@code null} (absent, or the body is not JSON) */
    static String field(byte[] body, String name) {
        try {
            JsonElement parsed = JsonParser.parseString(new String(body, StandardCharsets.UTF_8));
            if (parsed.isJsonObject()) {
                JsonElement e = ((JsonObject) parsed).get(name);
                return e == null || e.isJsonNull() ? null : e.isJsonPrimitive() ? e.getAsString() : e.toString();
            }
            return null;
        } catch (JsonParseException e) {
            return null;
        }
    }
}
