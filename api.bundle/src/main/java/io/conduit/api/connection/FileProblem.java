package io.conduit.api.connection;

import java.util.Locale;

/**
 * Why a transfer failed on the host, in the words every plugin uses, so that the same cause reads the same on
 * every plugin and method. A plugin learns the cause from the protocol where it says it (an SFTP status, an HTTP
 * answer, the text of an {@code errno}), and otherwise, after a generic failure, from a probe on the host
 * ({@code io.conduit.api.support.FileProblemProbe}: a stat and a statvfs of the target's directory) rather than a
 * guess.
 *
 * <p>The {@code errno} texts {@link #fromErrorText} recognizes are glibc's and musl's {@code strerror} texts (the
 * same English phrases on Linux, BSD and macOS), matched without regard to case: {@code ENOSPC}, {@code EDQUOT},
 * {@code EISDIR}, {@code ENOTDIR}, {@code EROFS}, {@code EACCES}/{@code EPERM}, {@code ENOENT},
 * {@code ENAMETOOLONG}.
 *
 * @since 1.3
 */
public enum FileProblem {
    /** {@code ENOSPC}: the file system holding the target has no room for the file. */
    NO_SPACE("no space left on the file system", new String[] {"free some space there (df -h on the host shows it)"
            + " or write elsewhere", null, "free some space on this machine (df -h) or fetch elsewhere"},
            "no space left on device"),
    /** {@code EDQUOT}: the user's disk quota on that file system is used up. */
    QUOTA("the user's disk quota is exceeded", new String[] {"free some of the user's files there or raise the quota",
            null, "free some of your files here or raise your quota"}, "disk quota exceeded"),
    /** {@code EISDIR}: the target is a directory. */
    IS_A_DIRECTORY("it is a directory", new String[] {"name a file, or end the path with / to put into the"
            + " directory", "fetch copies a file; add -r to fetch a directory", "remove or rename it here: fetch writes"
            + " LOCALDIR/HOST/NAME"}, "is a directory"),
    /** {@code ENOTDIR}: a part of the target's path that should be a directory is a file. */
    NOT_A_DIRECTORY("a part of the path is not a directory", new String[] {"check the path", "check the path",
            "check the local path"}, "not a directory"),
    /** {@code EROFS}: the file system holding the target is mounted read-only. */
    READ_ONLY("the file system is read-only", new String[] {"write to a writable file system, or remount it"
            + " read-write", null, "fetch into a writable directory"}, "read-only file system"),
    /** {@code EACCES}, {@code EPERM}: the user may not write (or read) there. */
    PERMISSION("permission denied", new String[] {"use a path the user may write, or --become", "read it as a user"
            + " who may, with --become", "fetch into a directory that Conduit's user may write"}, "permission denied",
            "operation not permitted"),
    /** {@code ENOENT} on the target's directory: it does not exist. */
    MISSING_DIRECTORY("the directory does not exist", new String[] {"create it first, e.g. conduit:run PATTERN"
            + " 'mkdir -p DIR'", "check the path", "create it here first"}, "no such file or directory"),
    /** {@code ENAMETOOLONG}: a name in the path is longer than the file system allows (usually 255 bytes). */
    NAME_TOO_LONG("a name in the path is longer than the file system allows (usually 255 bytes)",
            new String[] {"use a shorter name", "fetch it under a shorter name, or rename it on the host first",
                    "fetch it under a shorter local name"}, "file name too long");

    /**
     * Where a transfer failed, which decides the advice: a put writes on the host, a fetch reads on the host and
     * writes here (the machine Conduit runs on).
     */
    public enum Side {
        /** A put writing the file on the host. */
        HOST_WRITE,
        /** A fetch reading the file on the host. */
        HOST_READ,
        /** A fetch writing the copy on this machine. */
        HERE_WRITE
    }

    private final String reason;
    private final String[] advice;
    private final String[] errorTexts;

    FileProblem(String reason, String[] advice, String... errorTexts) {
        this.reason = reason;
        this.advice = advice;
        this.errorTexts = errorTexts;
    }

    /** @return the cause as an operator reads it, e.g. "no space left on the file system" */
    public String reason() {
        return reason;
    }

    /** @return what the operator can do about it when a put failed so, e.g. "free some space there ..." */
    public String advice() {
        return advice(Side.HOST_WRITE);
    }

    /**
     * @param side where the transfer failed
     * @return what the operator can do about it there; for a cause that a read cannot meet (no space when
     *         reading), the advice for a write on the host
     */
    public String advice(Side side) {
        String a = advice[side.ordinal()];
        return a != null ? a : advice[0];
    }

    /**
     * Finds the cause of a failure of this machine's file system (a fetch's local side, a plugin whose device is
     * a file system Conduit reaches with Java's I/O): from the exception's type where the JDK says it
     * ({@code AccessDeniedException}, {@code NotDirectoryException}, {@code NoSuchFileException} on the way to
     * a new file, {@code DirectoryNotEmptyException}), else from its {@code errno} text ({@link #fromErrorText}).
     *
     * @param e the failure
     * @return the cause, or {@code null} when it names none
     */
    public static FileProblem fromLocalFailure(java.io.IOException e) {
        if (e instanceof java.nio.file.AccessDeniedException) {
            return PERMISSION;
        }
        if (e instanceof java.nio.file.NotDirectoryException) {
            return NOT_A_DIRECTORY;
        }
        if (e instanceof java.nio.file.NoSuchFileException) {
            return MISSING_DIRECTORY;
        }
        if (e instanceof java.nio.file.DirectoryNotEmptyException) {
            return IS_A_DIRECTORY;
        }
        return fromErrorText(e instanceof java.nio.file.FileSystemException f && f.getReason() != null
                ? f.getReason() : e.getMessage());
    }

    /**
     * Finds the cause named by an {@code errno} text inside a message, such as the one a remote {@code scp},
     * {@code mv}, a Java {@code FileSystemException} or the Docker daemon prints ("scp: /srv/x: No space left on
     * device").
     *
     * @param message any text, or {@code null}
     * @return the cause it names, or {@code null} when it names none (the plugin should then probe)
     */
    public static FileProblem fromErrorText(String message) {
        if (message == null) {
            return null;
        }
        String text = message.toLowerCase(Locale.ROOT);
        for (FileProblem p : values()) {
            for (String e : p.errorTexts) {
                if (text.contains(e)) {
                    return p;
                }
            }
        }
        return null;
    }

    /**
     * The probe's name for this cause ({@code no-space}, {@code is-a-directory}, ...), as
     * {@code io.conduit.api.support.FileProblemProbe} prints it.
     *
     * @return the lower-case, dash-separated name
     */
    public String probeName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
