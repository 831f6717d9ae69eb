package io.conduit.docker.transfer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import io.conduit.api.connection.ProtocolException;

/**
 * Put and fetch through an exec, for paths the archive API cannot see ({@link ArchiveView}): a POSIX {@code sh}
 * script in the container (busybox or coreutils) that takes every path as a positional argument, so no name is
 * ever read by a shell. The exec runs as root, as the daemon's archive API does, and sets the same owner and mode.
 *
 * <p><b>put</b> streams the file's bytes on the exec's stdin into a hidden temporary file in the target's
 * directory ({@code cat}), checks that exactly the expected number of bytes arrived (a stream cut by a closed
 * connection ends {@code cat} early), sets owner, mode and time, and renames it over the target. Any failure
 * removes the temporary file in the script itself, so a connection that died mid-transfer leaves nothing either.
 *
 * <p><b>fetch</b> reads one header line on stdout, {@code conduit-fetch MODE SIZE MTIME}, then the file's bytes
 * ({@code cat}); the reader takes exactly SIZE bytes after it and fails on any difference, so nothing but the file
 * ends up in the local file (stderr is a separate stream of the exec).
 */
final class ExecTransfer {
    /** The header line that precedes a fetched file's bytes. */
    static final String HEADER = "conduit-fetch";

    /** Exit status of the fetch script for a directory. */
    static final int FETCH_DIRECTORY = 3;
    /** Exit status of the fetch script for a path that is neither a file nor a directory. */
    static final int FETCH_NOT_REGULAR = 4;

    // $1 temporary path, $2 target, $3 size, $4 mode (octal), $5 uid:gid, $6 mv flags, $7 mtime (epoch seconds)
    private static final String PUT = String.join("\n",
            "t=$1; n=$3; set -C; umask 077",
            "fail() { rm -f -- \"$t\"; exit 1; }",
            "cat > \"$t\" || fail",
            "s=$(wc -c < \"$t\") || fail",
            "if [ $((s)) -ne $((n)) ]; then rm -f -- \"$t\"; echo \"conduit: received $((s)) of $n bytes\" >&2;"
                    + " exit 2; fi",
            "chown -- \"$5\" \"$t\" && chmod -- \"$4\" \"$t\" || fail",
            "touch -d \"@$7\" -- \"$t\" 2>/dev/null",
            "mv $6 -- \"$t\" \"$2\" || fail");

    // $1 path; stat follows links, as a fetch through the archive API does
    private static final String FETCH = String.join("\n",
            "p=$1",
            "[ -d \"$p\" ] && exit " + FETCH_DIRECTORY,
            "i=$(stat -L -c '%a %s %Y' -- \"$p\") || exit 1",
            "[ -f \"$p\" ] || exit " + FETCH_NOT_REGULAR,
            "printf '" + HEADER + " %s\\n' \"$i\"",
            "exec cat -- \"$p\"");

    private ExecTransfer() {
    }

    /**
     * @param temp the temporary file, in the target's directory
     * @param target the target path
     * @param size the file's size in bytes
     * @param mode permission bits
     * @param uid owner
     * @param gid group
     * @param moveFlags {@code -f} or {@code -fT}
     * @param mtime modification time, seconds since the epoch
     * @return the exec's argument vector
     */
    static List<String> put(String temp, String target, long size, int mode, int uid, int gid, String moveFlags,
            long mtime) {
        return List.of("/bin/sh", "-c", PUT, "sh", temp, target, Long.toString(size), Integer.toOctalString(mode),
                uid + ":" + gid, moveFlags.isEmpty() ? "-f" : moveFlags, Long.toString(mtime));
    }

    /**
     * @param path the file to read
     * @return the exec's argument vector
     */
    static List<String> fetch(String path) {
        return List.of("/bin/sh", "-c", FETCH, "sh", path);
    }

    /**
     * Takes the fetch script's stdout apart: the header line, then exactly the announced number of bytes into
     * {@code file}.
     */
    static final class Receiver extends OutputStream {
        private final OutputStream file;
        private final ByteArrayOutputStream header = new ByteArrayOutputStream();
        private boolean inHeader = true;
        private long mode = -1;
        private long size = -1;
        private long mtime;
        private long received;

        Receiver(OutputStream file) {
            this.file = file;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            int i = off;
            int end = off + len;
            while (inHeader && i < end) {
                byte c = b[i++];
                if (c == '\n') {
                    inHeader = !parse(header.toString(StandardCharsets.UTF_8));
                    if (inHeader) {
                        return; // not the header (the daemon's words when the exec could not start): verify says
                    }
                } else if (header.size() < 256) {
                    header.write(c);
                }
            }
            if (i < end) {
                received += end - i;
                if (received > size) {
                    throw new ProtocolException("the container sent more bytes than the file's size (" + size
                            + "): the file grew while it was read");
                }
                file.write(b, i, end - i);
            }
        }

        private boolean parse(String line) {
            String[] f = line.split(" ");
            try {
                if (f.length == 4 && f[0].equals(HEADER)) {
                    mode = Long.parseLong(f[1], 8);
                    size = Long.parseLong(f[2]);
                    mtime = Long.parseLong(f[3]);
                    return true;
                }
            } catch (NumberFormatException e) {
                // not the header
            }
            return false;
        }

        /** @return what came instead of the header (the daemon's words for an exec that could not start) */
        String unframed() {
            return inHeader ? header.toString(StandardCharsets.UTF_8) : "";
        }

        /**
         * @throws ProtocolException the header is missing or fewer bytes than announced arrived
         */
        void verify() throws ProtocolException {
            if (inHeader) {
                String text = unframed();
                throw new ProtocolException("the fetch in the container printed " + (text.isEmpty() ? "nothing"
                        : "\"" + (text.length() > 80 ? text.substring(0, 80) + "..." : text) + "\"")
                        + " instead of its header line");
            }
            if (received != size) {
                throw new ProtocolException("the container sent " + received + " of the file's " + size
                        + " bytes: the file changed while it was read, or the stream was cut");
            }
        }

        /** @return the file's permission bits */
        int mode() {
            return (int) mode & 07777;
        }

        /** @return the file's modification time, seconds since the epoch */
        long mtime() {
            return mtime;
        }
    }
}
