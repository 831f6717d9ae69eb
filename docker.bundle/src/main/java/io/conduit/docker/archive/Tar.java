package io.conduit.docker.archive;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Date;
import java.util.List;
import java.util.Locale;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.archivers.tar.TarUtils;

/**
 * The tar the Docker archive API speaks, on Apache Commons Compress: a one-file archive made on the fly as an
 * {@link InputStream} (no thread, no buffering of the file) and a streaming reader. Commons Compress writes the
 * headers (ustar, with PAX records for long names and sizes past 8 GiB) and reads ustar, PAX and GNU long names, which
 * covers what the daemon's Go {@code archive/tar} writes. Entries named by an absolute path or with a {@code ..}
 * part are refused both ways: the API never has a reason to send or take one.
 *
 * <p>Only the headers go through {@link TarArchiveOutputStream}: it is push-style and would need a pipe and a thread
 * per upload to feed the daemon's request body, while the content after the header is the file's bytes as they are,
 * padded to a block, and the archive ends with two zero blocks.
 */
public final class Tar {
    /** Tar block size, in bytes. */
    public static final int BLOCK = TarConstants.DEFAULT_RCDSIZE;

    private Tar() {
    }

    /**
     * A tar stream holding one regular file.
     *
     * @param name the entry name: a relative path without {@code ..} parts (a plain file name for the archive API)
     * @param content the file's bytes; exactly {@code size} are read, then it is closed
     * @param size the file's size in bytes, 0 or more
     * @param mode the permission bits (the lower 12 are kept)
     * @param uid owner uid, 0 or more
     * @param gid owner gid, 0 or more
     * @param mtimeSeconds modification time in seconds since the epoch
     * @return the archive, read lazily; reading it fails with an {@link EOFException} if {@code content} ends
     *         before {@code size} bytes
     * @throws IllegalArgumentException the name is empty, absolute or has a {@code ..} part
     */
    public static InputStream singleFile(String name, InputStream content, long size, int mode, int uid, int gid,
            long mtimeSeconds) {
        String refused = refusal(name);
        if (refused != null) {
            throw new IllegalArgumentException("tar entry \"" + name + "\": " + refused);
        }
        TarArchiveEntry entry = new TarArchiveEntry(name, TarConstants.LF_NORMAL);
        entry.setSize(size);
        entry.setMode(mode & 07777);
        entry.setUserId(uid);
        entry.setGroupId(gid);
        entry.setModTime(new Date(mtimeSeconds * 1000));
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        // a record size of one block: each header block reaches `head` as soon as it is written
        try {
            TarArchiveOutputStream tar = new TarArchiveOutputStream(head, BLOCK, StandardCharsets.UTF_8.name());
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            tar.putArchiveEntry(entry);
            // not closed: closing would require the content to have gone through it
        } catch (IOException e) {
            throw new IllegalStateException("writing a tar header into memory failed", e);
        }
        byte[] tail = new byte[padding(size) + 2 * BLOCK];
        return new SequenceInputStream(Collections.enumeration(List.of(
                new ByteArrayInputStream(head.toByteArray()), new ExactStream(content, size),
                new ByteArrayInputStream(tail))));
    }

    /**
     * @param size bytes of content, 0 or more
     * @return how many zero bytes fill the last block
     */
    public static int padding(long size) {
        return (int) ((BLOCK - size % BLOCK) % BLOCK);
    }

    /** @return why an entry name is refused, or {@code null} */
    private static String refusal(String name) {
        if (name == null || name.isEmpty()) {
            return "the name is empty";
        }
        if (name.startsWith("/")) {
            return "an absolute path";
        }
        for (String part : name.split("/")) {
            if (part.equals("..")) {
                return "a path with a .. part";
            }
        }
        return null;
    }

    /** Gives exactly {@code size} bytes of a file, failing if it shrank meanwhile. */
    private static final class ExactStream extends InputStream {
        private final InputStream in;
        private long left;

        ExactStream(InputStream in, long size) {
            this.in = in;
            this.left = size;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left == 0) {
                return -1;
            }
            int n = in.read(b, off, (int) Math.min(len, left));
            if (n < 0) {
                throw new EOFException("the local file got shorter while it was being sent; "
                        + left + " bytes missing");
            }
            left -= n;
            return n;
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }

    /**
     * One entry's header.
     *
     * @param name the path in the archive (never absolute, never with a {@code ..} part)
     * @param type the type flag: {@code '0'} file, {@code '5'} directory, {@code '2'} symlink...
     * @param size content bytes (0 for directories and links)
     * @param mode the mode field as written (permission bits, and file type bits if the writer set them)
     * @param uid owner uid
     * @param gid owner gid
     * @param mtime modification time in seconds since the epoch
     * @param linkName the link target for links, else empty
     */
    public record Entry(String name, char type, long size, int mode, int uid, int gid, long mtime, String linkName) {
        /** @return whether it is a regular file */
        public boolean isFile() {
            return type == '0' || type == '\0' || type == '7';
        }
    }

    /** Reads entries from a tar stream, one at a time, without buffering their content. */
    public static final class Reader {
        private final Source source;
        private final TarArchiveInputStream tar;
        private boolean checked;

        /** @param in the archive; not closed by the reader */
        public Reader(InputStream in) {
            this.source = new Source(in);
            this.tar = new TarArchiveInputStream(source, StandardCharsets.UTF_8.name());
        }

        /**
         * Moves to the next entry, skipping what is left of the current one.
         *
         * @return the entry, or {@code null} at the end of the archive
         * @throws IOException the stream failed (as it did), or is not tar, or names an entry by an absolute path
         *         or with a {@code ..} part ("not a tar stream" or "tar entry" then starts the message)
         */
        public Entry next() throws IOException {
            if (!checked) {
                checked = true;
                // Commons Compress takes any first block for a header; the daemon's answer must be tar
                byte[] first = source.peek(BLOCK);
                if (first.length == BLOCK && !isZero(first) && !TarUtils.verifyCheckSum(first)) {
                    throw new IOException("not a tar stream (the first header's checksum is wrong)");
                }
            }
            TarArchiveEntry e;
            try {
                e = tar.getNextEntry();
            } catch (IOException | RuntimeException ex) {
                throw format(ex);
            }
            if (e == null) {
                return null;
            }
            String refused = refusal(e.getName());
            if (refused != null) {
                throw new IOException("tar entry \"" + e.getName() + "\" refused: " + refused);
            }
            char type = (char) e.getLinkFlag();
            boolean noContent = e.isDirectory() || e.isSymbolicLink() || e.isLink();
            return new Entry(e.getName(), type, noContent ? 0 : e.getSize(), e.getMode(), (int) e.getLongUserId(),
                    (int) e.getLongGroupId(), e.getModTime().getTime() / 1000, e.getLinkName());
        }

        /**
         * Reads the current entry's content; at most what is left of it.
         *
         * @param b where to put the bytes
         * @param off offset in {@code b}
         * @param len most bytes to read
         * @return bytes read, {@code -1} at the end of the entry
         * @throws IOException the stream failed or ended too soon
         */
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                return tar.read(b, off, len);
            } catch (IOException | RuntimeException ex) {
                throw format(ex);
            }
        }

        /**
         * A failure of the underlying stream as it is (a closed or broken connection is told as such); any other
         * is the archive's: not tar, or cut short.
         */
        private IOException format(Exception ex) {
            if (source.failure != null) {
                return source.failure;
            }
            String said = String.valueOf(ex.getMessage());
            if (ex instanceof EOFException || said.toLowerCase(Locale.ROOT).contains("truncated")) {
                EOFException eof = new EOFException("tar stream ends too soon (" + said + ")");
                eof.initCause(ex);
                return eof;
            }
            return new IOException("not a tar stream (" + said + ")", ex);
        }
    }

    private static boolean isZero(byte[] block) {
        for (byte b : block) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * Remembers the underlying stream's own failure, so that it is not taken for a broken archive; gives back what
     * {@link #peek} read before the rest.
     */
    private static final class Source extends FilterInputStream {
        volatile IOException failure;
        private byte[] head = new byte[0];
        private int at;

        Source(InputStream in) {
            super(in);
        }

        /** Reads up to {@code n} bytes ahead; they are read again after. */
        byte[] peek(int n) throws IOException {
            try {
                head = in.readNBytes(n);
            } catch (IOException e) {
                failure = e;
                throw e;
            }
            at = 0;
            return head.clone();
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (at < head.length) {
                int n = Math.min(len, head.length - at);
                System.arraycopy(head, at, b, off, n);
                at += n;
                return n;
            }
            try {
                return in.read(b, off, len);
            } catch (IOException e) {
                failure = e;
                throw e;
            }
        }

        @Override
        public int available() throws IOException {
            return head.length - at + (at < head.length ? 0 : in.available());
        }

        @Override
        public long skip(long n) throws IOException {
            if (at < head.length) {
                int k = (int) Math.min(n, head.length - at);
                at += k;
                return k;
            }
            try {
                return in.skip(n);
            } catch (IOException e) {
                failure = e;
                throw e;
            }
        }

        @Override
        public void close() {
            // the caller closes the archive's stream
        }
    }
}
