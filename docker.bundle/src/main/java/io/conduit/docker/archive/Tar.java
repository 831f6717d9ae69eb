package io.conduit.docker.archive;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Just enough tar for the Docker archive API: a one-file archive made on the fly as an {@link InputStream} (no
 * thread, no buffering of the file) and a streaming reader. Writes ustar with a PAX header for long names and
 * base-256 sizes past 8 GiB; reads ustar, PAX ({@code path}, {@code size}, {@code linkpath}) and GNU long names,
 * which covers what the daemon's Go {@code archive/tar} writes.
 *
 * <p>Written here rather than embedding commons-compress's tar classes: its writer is push-style and would need a
 * pipe and a thread per transfer to feed an upload, while a header is 512 bytes we can build directly.
 */
public final class Tar {
    /** Tar block size. */
    public static final int BLOCK = 512;
    private static final long MAX_OCTAL_SIZE = 077777777777L;

    private Tar() {
    }

    /**
     * A tar stream holding one regular file.
     *
     * @param name the entry name (a file name, no directory)
     * @param content the file's bytes; exactly {@code size} are read, then it is closed
     * @param size the file's size
     * @param mode the permission bits
     * @param uid owner uid
     * @param gid owner gid
     * @param mtimeSeconds modification time
     * @return the archive, read lazily
     */
    public static InputStream singleFile(String name, InputStream content, long size, int mode, int uid, int gid,
            long mtimeSeconds) {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        String headerName = name;
        if (nameBytes.length > 100) {
            byte[] pax = paxRecord("path", name);
            head.writeBytes(header("PaxHeaders/entry", 'x', pax.length, 0644, 0, 0, mtimeSeconds));
            head.writeBytes(pax);
            head.writeBytes(new byte[padding(pax.length)]);
            headerName = "conduit-long-name";
        }
        head.writeBytes(header(headerName, '0', size, mode, uid, gid, mtimeSeconds));
        byte[] tail = new byte[padding(size) + 2 * BLOCK];
        return new SequenceInputStream(java.util.Collections.enumeration(List.of(
                new ByteArrayInputStream(head.toByteArray()), new ExactStream(content, size),
                new ByteArrayInputStream(tail))));
    }

    static byte[] header(String name, char type, long size, int mode, int uid, int gid, long mtime) {
        byte[] h = new byte[BLOCK];
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(n, 0, h, 0, Math.min(100, n.length));
        octal(h, 100, 8, mode & 07777);
        octal(h, 108, 8, uid);
        octal(h, 116, 8, gid);
        if (size > MAX_OCTAL_SIZE) {
            // base-256 (GNU/star): high bit set, big-endian binary; Go's archive/tar reads it
            h[124] = (byte) 0x80;
            for (int i = 0; i < 8; i++) {
                h[135 - i] = (byte) (size >>> (8 * i));
            }
        } else {
            octal(h, 124, 12, size);
        }
        octal(h, 136, 12, mtime);
        h[156] = (byte) type;
        System.arraycopy("ustar\0".getBytes(StandardCharsets.US_ASCII), 0, h, 257, 6);
        h[263] = '0';
        h[264] = '0';
        for (int i = 148; i < 156; i++) {
            h[i] = ' ';
        }
        long sum = 0;
        for (byte b : h) {
            sum += b & 0xff;
        }
        String checksum = String.format("%06o", sum);
        System.arraycopy(checksum.getBytes(StandardCharsets.US_ASCII), 0, h, 148, 6);
        h[154] = 0;
        h[155] = ' ';
        return h;
    }

    private static void octal(byte[] h, int offset, int width, long value) {
        String text = Long.toOctalString(value);
        String padded = "0".repeat(Math.max(0, width - 1 - text.length())) + text;
        byte[] b = padded.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(b, 0, h, offset, width - 1);
        h[offset + width - 1] = 0;
    }

    static byte[] paxRecord(String key, String value) {
        int body = (" " + key + "=" + value + "\n").getBytes(StandardCharsets.UTF_8).length;
        int length = body + 1;
        while (Integer.toString(length).length() + body != length) {
            length = Integer.toString(length).length() + body;
        }
        return (length + " " + key + "=" + value + "\n").getBytes(StandardCharsets.UTF_8);
    }

    /**
     * @param size bytes of content
     * @return how many zero bytes fill the last block
     */
    public static int padding(long size) {
        return (int) ((BLOCK - size % BLOCK) % BLOCK);
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
     * @param name the path in the archive
     * @param type the type flag: {@code '0'} file, {@code '5'} directory, {@code '2'} symlink...
     * @param size content bytes
     * @param mode permission bits
     * @param uid owner uid
     * @param gid owner gid
     * @param mtime modification time in seconds
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
        private final InputStream in;
        private long left;
        private int pad;

        /** @param in the archive */
        public Reader(InputStream in) {
            this.in = in;
        }

        /**
         * Moves to the next entry, skipping what is left of the current one.
         *
         * @return the entry, or {@code null} at the end of the archive
         * @throws IOException the stream failed or is not tar
         */
        public Entry next() throws IOException {
            skip(left + pad);
            left = 0;
            pad = 0;
            Map<String, String> pax = new HashMap<>();
            String longName = null;
            String longLink = null;
            while (true) {
                byte[] h = in.readNBytes(BLOCK);
                if (h.length == 0) {
                    return null;
                }
                if (h.length < BLOCK) {
                    throw new EOFException("tar stream ends inside a header");
                }
                if (isZero(h)) {
                    return null;
                }
                checkChecksum(h);
                char type = (char) h[156];
                long size = number(h, 124, 12);
                if (type == 'x' || type == 'g' || type == 'L' || type == 'K') {
                    if (size > 1 << 20) {
                        throw new IOException("tar extension header of " + size + " bytes is too large");
                    }
                    byte[] data = in.readNBytes((int) size);
                    skip(padding(size));
                    if (type == 'x') {
                        pax.putAll(parsePax(data));
                    } else if (type == 'L') {
                        longName = cString(data, 0, data.length);
                    } else if (type == 'K') {
                        longLink = cString(data, 0, data.length);
                    }
                    continue;
                }
                String name = cString(h, 0, 100);
                String prefix = cString(h, 345, 155);
                if (!prefix.isEmpty() && "ustar".equals(cString(h, 257, 6))) {
                    name = prefix + "/" + name;
                }
                name = pax.getOrDefault("path", longName != null ? longName : name);
                if (pax.containsKey("size")) {
                    size = Long.parseLong(pax.get("size"));
                }
                String link = pax.getOrDefault("linkpath", longLink != null ? longLink : cString(h, 157, 100));
                Entry entry = new Entry(name, type, type == '5' || type == '2' || type == '1' ? 0 : size,
                        (int) number(h, 100, 8), (int) number(h, 108, 8), (int) number(h, 116, 8),
                        number(h, 136, 12), link);
                left = entry.size();
                pad = padding(entry.size());
                return entry;
            }
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
            if (left == 0) {
                return -1;
            }
            int n = in.read(b, off, (int) Math.min(len, left));
            if (n < 0) {
                throw new EOFException("tar stream ends inside an entry; " + left + " bytes missing");
            }
            left -= n;
            return n;
        }

        private void skip(long n) throws IOException {
            long todo = n;
            while (todo > 0) {
                long skipped = in.skip(todo);
                if (skipped <= 0) {
                    if (in.read() < 0) {
                        throw new EOFException("tar stream ends inside an entry");
                    }
                    skipped = 1;
                }
                todo -= skipped;
            }
        }
    }

    private static Map<String, String> parsePax(byte[] data) {
        Map<String, String> out = new HashMap<>();
        int pos = 0;
        while (pos < data.length) {
            int space = pos;
            while (space < data.length && data[space] != ' ') {
                space++;
            }
            int length;
            try {
                length = Integer.parseInt(new String(data, pos, space - pos, StandardCharsets.US_ASCII));
            } catch (NumberFormatException e) {
                break;
            }
            if (length <= 0 || pos + length > data.length) {
                break;
            }
            String record = new String(data, space + 1, pos + length - space - 2, StandardCharsets.UTF_8);
            int eq = record.indexOf('=');
            if (eq > 0) {
                out.put(record.substring(0, eq), record.substring(eq + 1));
            }
            pos += length;
        }
        return out;
    }

    private static void checkChecksum(byte[] h) throws IOException {
        long stored = number(h, 148, 8);
        long sum = 0;
        for (int i = 0; i < BLOCK; i++) {
            sum += (i >= 148 && i < 156) ? ' ' : h[i] & 0xff;
        }
        if (sum != stored) {
            throw new IOException("not a tar stream (header checksum " + stored + " != " + sum + ")");
        }
    }

    private static boolean isZero(byte[] h) {
        for (byte b : h) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    private static long number(byte[] h, int offset, int width) {
        if ((h[offset] & 0x80) != 0) {
            long value = h[offset] & 0x7f;
            for (int i = 1; i < width; i++) {
                value = (value << 8) | (h[offset + i] & 0xff);
            }
            return value;
        }
        long value = 0;
        for (int i = offset; i < offset + width; i++) {
            byte b = h[i];
            if (b == 0) {
                break;
            }
            if (b >= '0' && b <= '7') {
                value = value * 8 + (b - '0');
            }
        }
        return value;
    }

    private static String cString(byte[] h, int offset, int width) {
        int end = offset;
        while (end < offset + width && end < h.length && h[end] != 0) {
            end++;
        }
        return new String(h, offset, end - offset, StandardCharsets.UTF_8);
    }
}
