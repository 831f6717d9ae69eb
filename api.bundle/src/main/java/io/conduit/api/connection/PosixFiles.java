package io.conduit.api.connection;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The shell side of {@link Connection}'s file methods: POSIX sh scripts that every shell-like host runs the same
 * way (GNU coreutils, busybox, BSD), and the reading of what they print. Only {@code ls -ldLn}, {@code ls -ldL},
 * {@code find}, {@code test} and a SHA-256 tool ({@code sha256sum}, else {@code shasum -a 256}, else
 * {@code openssl dgst -sha256}) are used: {@code stat -c} differs between GNU and busybox and is missing on BSD.
 * Every path is quoted with {@link Command#quotePath}; paths come back NUL-separated, so any name is read.
 * Package-private: the contract's default methods are its only users, and the contract needs no helper package.
 */
final class PosixFiles {
    /** Largest listing read (bytes of output): about 100,000 files. */
    public static final long MAX_LISTING = 16L << 20;

    /**
     * One entry: {@code TYPE LINK MODE UID GID SIZE OWNER GROUP} NUL {@code PATH} NUL {@code SHA} NUL, where TYPE
     * is f, d, o or x (missing), LINK 1 for a symbolic link; the ls fields are read after {@code set -f} so that no
     * mode string is globbed. LC_ALL=C keeps ls's columns the same in every locale.
     */
    private static final String ENTRY = "e() { if [ -f \"$1\" ]; then t=f; elif [ -d \"$1\" ]; then t=d;"
            + " elif [ -e \"$1\" ]; then t=o; else t=x; fi;"
            + " if [ -L \"$1\" ]; then l=1; else l=0; fi;"
            + " if [ $t = x ]; then printf 'x %s\\0%s\\0\\0' $l \"$1\"; return 0; fi;"
            + " set -- \"$1\" $(LC_ALL=C ls -ldLn -- \"$1\") || return 1; a=\"$2 $4 $5 $6\";"
            + " set -- \"$1\" $(LC_ALL=C ls -ldL -- \"$1\") || return 1; a=\"$a $4 $5\"; h=;"
            + " if [ $t = f ] && [ \"$CONDUIT_SUMS\" = 1 ] && [ -r \"$1\" ]; then h=$({ sha256sum < \"$1\" || shasum -a 256 < \"$1\""
            + " || openssl dgst -sha256 < \"$1\"; } 2>/dev/null) || { echo \"$1: no sha256sum, shasum or openssl on"
            + " the host\" >&2; return 1; }; fi;"
            + " printf '%s %s %s\\0%s\\0%s\\0' $t $l \"$a\" \"$1\" \"$h\"; }";
    /**
     * What every script prints before its entries: a login shell's output (a {@code ~/.bashrc} that echoes) comes
     * before it and is skipped, so that it never passes for an entry.
     */
    private static final String MARK = "conduit-files";
    private static final String PRINT_MARK = "printf '" + MARK + "\\0'; ";
    private static final Pattern SHA256 = Pattern.compile("\\b([0-9a-f]{64})\\b");

    private PosixFiles() {
    }

    /**
     * The script that prints one entry for PATH ({@link #parse} reads it).
     *
     * @param path the remote path
     * @param checksum also print the file's SHA-256
     * @return the script, for {@code sh -c}
     */
    public static String statScript(String path, boolean checksum) {
        return PRINT_MARK + "set -f; CONDUIT_SUMS=" + (checksum ? 1 : 0) + "; " + ENTRY + "; e "
                + Command.quotePath(path);
    }

    /**
     * The directory itself as {@code e PATH}, then each entry below it as {@code ./NAME} from a {@code find} run
     * inside it ({@code cd} follows a link to the directory; {@code find} follows no link below it).
     */
    public static String listScript(String dir, boolean checksums) {
        String q = Command.quotePath(dir);
        String each = "set -f; " + ENTRY + "; for f do e \"$f\" || exit 1; done";
        return PRINT_MARK + "set -f; CONDUIT_SUMS=" + (checksums ? 1 : 0) + "; export CONDUIT_SUMS; " + ENTRY
                + "; e " + q
                + " || exit 1; [ -d " + q + " ] || exit 0; cd -- " + q + " && find . ! -name . -exec sh -c "
                + Command.quote(each) + " sh {} +";
    }

    /**
     * The script that makes a directory and its parents, the new ones with MODE.
     *
     * @param path the remote directory
     * @param mode the permission bits, 0 to 07777
     * @return the script, for {@code sh -c}
     */
    public static String makeDirectoryScript(String path, int mode) {
        String q = Command.quotePath(path);
        return "mkdir -p -- " + q + " && chmod " + Integer.toOctalString(mode) + " -- " + q;
    }

    /**
     * The script that sets a path's mode, owner and group.
     *
     * @param path the remote path
     * @param mode the permission bits, or -1 to keep them
     * @param owner the owner's name, or {@code null} to keep it
     * @param group the group's name, or {@code null} to keep it
     * @return the script, for {@code sh -c}
     */
    public static String setAttributesScript(String path, int mode, String owner, String group) {
        String q = Command.quotePath(path);
        StringBuilder s = new StringBuilder("set -e");
        if (owner != null) {
            s.append("; chown -- ").append(Command.quote(group == null ? owner : owner + ":" + group))
                    .append(' ').append(q);
        } else if (group != null) {
            s.append("; chgrp -- ").append(Command.quote(group)).append(' ').append(q);
        }
        // after chown, which clears set-user-ID and set-group-ID bits on some systems
        if (mode >= 0) {
            s.append("; chmod ").append(Integer.toOctalString(mode)).append(" -- ").append(q);
        }
        return s.toString();
    }

    /**
     * Reads the entries a script printed.
     *
     * @param out the script's stdout
     * @param relativeTo strip {@code ./} from entries after the first and give the first the path {@code ""}
     *        (a listing), or keep paths as printed (a stat)
     */
    public static List<RemoteFile> parse(byte[] out, boolean relativeTo) throws IOException {
        List<RemoteFile> files = new ArrayList<>();
        int start = afterMark(out);
        List<String> fields = new ArrayList<>(3);
        for (int i = start; i < out.length; i++) {
            if (out[i] != 0) {
                continue;
            }
            fields.add(new String(out, start, i - start, StandardCharsets.UTF_8));
            start = i + 1;
            if (fields.size() == 3) {
                String path = fields.get(1);
                if (relativeTo) {
                    path = files.isEmpty() ? "" : path.startsWith("./") ? path.substring(2) : path;
                }
                files.add(entry(fields.get(0), path, fields.get(2)));
                fields.clear();
            }
        }
        if (start != out.length || !fields.isEmpty()) {
            throw new ProtocolException("the host's file listing ended in the middle of an entry");
        }
        return files;
    }

    /** @return where the entries begin: after the first mark; 0 when there is none (then nothing parses) */
    private static int afterMark(byte[] out) {
        byte[] mark = (MARK + "\0").getBytes(StandardCharsets.US_ASCII);
        outer:
        for (int i = 0; i + mark.length <= out.length; i++) {
            for (int j = 0; j < mark.length; j++) {
                if (out[i + j] != mark[j]) {
                    continue outer;
                }
            }
            return i + mark.length;
        }
        return 0;
    }

    private static RemoteFile entry(String head, String path, String sum) throws IOException {
        String[] f = head.split(" ");
        boolean link = f.length > 1 && f[1].equals("1");
        if (f[0].equals("x")) {
            return new RemoteFile(path, RemoteFile.Type.MISSING, link, 0, 0, -1, -1, "", "", null);
        }
        if (f.length < 8 || f[2].length() < 10) {
            throw new ProtocolException("the host's ls printed \"" + head + "\" for " + path + ", not a long"
                    + " listing");
        }
        RemoteFile.Type type = switch (f[0]) {
            case "f" -> RemoteFile.Type.FILE;
            case "d" -> RemoteFile.Type.DIRECTORY;
            default -> RemoteFile.Type.OTHER;
        };
        String sha = null;
        if (!sum.isEmpty()) {
            Matcher m = SHA256.matcher(sum);
            if (!m.find()) {
                throw new ProtocolException("the host's sha256 tool printed no checksum for " + path);
            }
            sha = m.group(1);
        }
        long size = type == RemoteFile.Type.FILE ? number(f[5], path) : 0;
        return new RemoteFile(path, type, link, size, mode(f[2]), number(f[3], path), number(f[4], path), f[6], f[7],
                sha);
    }

    private static long number(String s, String path) throws IOException {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new ProtocolException("the host's ls printed \"" + s + "\" for " + path + " where a number"
                    + " belongs");
        }
    }

    /** {@code -rwsr-x--T} to {@code 05750}: the nine letters, with s/S, t/T for the special bits. */
    public static int mode(String letters) {
        int bits = 0;
        for (int i = 0; i < 9; i++) {
            char c = letters.charAt(1 + i);
            int bit = 1 << (8 - i);
            if (i % 3 == 2) {
                int special = i == 2 ? 04000 : i == 5 ? 02000 : 01000;
                if (c == 's' || c == 't') {
                    bits |= bit | special;
                } else if (c == 'S' || c == 'T') {
                    bits |= special;
                } else if (c == 'x') {
                    bits |= bit;
                }
            } else if (c != '-') {
                bits |= bit;
            }
        }
        return bits;
    }

    /**
     * The one entry a stat printed.
     *
     * @param files what {@link #parse} read
     * @return the entry, or empty when the path is missing
     */
    public static Optional<RemoteFile> single(List<RemoteFile> files) {
        return files.isEmpty() || files.get(0).type() == RemoteFile.Type.MISSING ? Optional.empty()
                : Optional.of(files.get(0));
    }
}
