package io.conduit.api.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The become tests need what CI has: root, to create users and sudo rules, and sudo itself (installed by
 * {@code scripts/env/sshd.sh}). They fail, not skip, without it: a skipped become test proves nothing.
 */
public final class BecomeEnvironment {
    private BecomeEnvironment() {
    }

    /** @throws IllegalStateException not root, or no sudo */
    public static void require() {
        if (!"root".equals(System.getProperty("user.name")) || !Files.isExecutable(Path.of("/usr/bin/sudo"))) {
            throw new IllegalStateException("the become tests need root and /usr/bin/sudo: run the suite as root"
                    + " through ./scripts/test, which installs sudo (scripts/env/sshd.sh)");
        }
    }
}
