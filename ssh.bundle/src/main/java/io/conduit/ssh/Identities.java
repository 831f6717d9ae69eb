package io.conduit.ssh;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.sshd.common.config.keys.FilePasswordProvider;
import org.apache.sshd.common.util.io.resource.PathResource;
import org.apache.sshd.common.util.security.SecurityUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.conduit.api.connection.AuthenticationFailedException;
import io.conduit.api.connection.Secret;

/**
 * Loads private keys (OpenSSH, PEM, PKCS#8; ed25519, ecdsa, rsa; encrypted with a passphrase or not) and keeps
 * them decoded per file, size, modification time and passphrase, so that 500 hosts sharing one key decrypt it
 * once (bcrypt key derivation costs tens of milliseconds). Only a hash of the passphrase is kept.
 */
final class Identities {
    private static final Logger LOG = LoggerFactory.getLogger(Identities.class);
    private static final List<String> DEFAULT_NAMES = List.of("id_ed25519", "id_ecdsa", "id_rsa");

    private record Key(Path file, long size, long modified, String passphraseHash) {
    }

    /** A loaded key and where it came from, for messages. */
    record Identity(Path file, KeyPair pair) {
    }

    private final ConcurrentHashMap<Key, List<KeyPair>> cache = new ConcurrentHashMap<>();

    /**
     * The keys to offer for a host.
     *
     * @param explicit key files the host or the defaults name; errors in these fail the host
     * @param lookForKeys when no explicit file: try ~/.ssh/id_ed25519, id_ecdsa, id_rsa, skipping unusable ones
     * @param passphrase passphrase for encrypted keys, or {@code null}
     * @param where {@code user@host:port}, for messages
     * @return the identities, in the order to offer them
     * @throws AuthenticationFailedException an explicit key file is missing, unreadable or cannot be decrypted
     */
    List<Identity> load(List<Path> explicit, boolean lookForKeys, Secret passphrase, String where)
            throws AuthenticationFailedException {
        List<Identity> out = new ArrayList<>();
        if (!explicit.isEmpty()) {
            for (Path file : explicit) {
                try {
                    for (KeyPair kp : read(file, passphrase)) {
                        out.add(new Identity(file, kp));
                    }
                } catch (NoSuchFileException e) {
                    throw new AuthenticationFailedException(where + ": private_key_file " + file
                            + " does not exist; fix the path in the inventory or in etc/io.conduit.ssh.cfg");
                } catch (IOException | GeneralSecurityException | RuntimeException e) {
                    throw new AuthenticationFailedException(where + ": cannot load private key " + file + ": "
                            + describe(e, passphrase), e);
                }
            }
            return out;
        }
        if (lookForKeys) {
            Path dir = Path.of(System.getProperty("user.home"), ".ssh");
            for (String name : DEFAULT_NAMES) {
                Path file = dir.resolve(name);
                if (!Files.isRegularFile(file)) {
                    continue;
                }
                try {
                    for (KeyPair kp : read(file, passphrase)) {
                        out.add(new Identity(file, kp));
                    }
                } catch (IOException | GeneralSecurityException | RuntimeException e) {
                    LOG.debug("{}: skipping {}: {}", where, file, describe(e, passphrase));
                }
            }
        }
        return out;
    }

    private List<KeyPair> read(Path file, Secret passphrase) throws IOException, GeneralSecurityException {
        BasicFileAttributes attrs = Files.readAttributes(file, BasicFileAttributes.class);
        Key key = new Key(file.toAbsolutePath(), attrs.size(), attrs.lastModifiedTime().toMillis(), hash(passphrase));
        List<KeyPair> cached = cache.get(key);
        if (cached != null) {
            return cached;
        }
        FilePasswordProvider provider = passphrase == null ? FilePasswordProvider.EMPTY
                : FilePasswordProvider.of(passphrase.reveal());
        List<KeyPair> pairs = new ArrayList<>();
        try (InputStream in = Files.newInputStream(file)) {
            Iterable<KeyPair> loaded = SecurityUtils.loadKeyPairIdentities(null, new PathResource(file), in, provider);
            if (loaded != null) {
                loaded.forEach(pairs::add);
            }
        }
        if (pairs.isEmpty()) {
            throw new IOException("no private key found in the file");
        }
        List<KeyPair> result = List.copyOf(pairs);
        cache.keySet().removeIf(k -> k.file.equals(key.file)); // drop older versions of this file
        cache.put(key, result);
        return result;
    }

    private static String describe(Exception e, Secret passphrase) {
        String m = String.valueOf(e.getMessage());
        if (passphrase == null && (m.contains("encrypt") || m.contains("password") || m.contains("passphrase")
                || m.contains("No password"))) {
            return "it is encrypted; set private_key_passphrase";
        }
        if (passphrase != null && (e instanceof GeneralSecurityException || m.contains("decrypt")
                || m.contains("padding") || m.contains("Invalid") || m.contains("check"))) {
            return "wrong passphrase, or not a key this plugin reads";
        }
        return SshText.words(e); // the key reader's words, without its class names
    }

    private static String hash(Secret passphrase) {
        if (passphrase == null) {
            return "";
        }
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(passphrase.reveal().getBytes(StandardCharsets.UTF_8));
            return Arrays.toString(d);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Forgets every decoded key. */
    void clear() {
        cache.clear();
    }
}
