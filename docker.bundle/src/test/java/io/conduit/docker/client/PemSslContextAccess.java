package io.conduit.docker.client;

import java.nio.file.Path;
import java.security.PrivateKey;

/** Opens {@link PemSslContext#privateKey} to tests in other packages. */
public final class PemSslContextAccess {
    private PemSslContextAccess() {
    }

    /** @param file a PEM key file @return the key */
    public static PrivateKey privateKey(Path file) throws Exception {
        return PemSslContext.privateKey(file);
    }
}
