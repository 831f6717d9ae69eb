package io.conduit.cluster;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;

import org.junit.jupiter.api.Test;

class SealTest {
    private final Seal seal = new Seal(ClusterKey.of(TestMembers.KEY));
    private final byte[] secret = "password=hunter2".getBytes(UTF_8);

    @Test
    void whatIsSealedOpensUnderItsContextAndIsNotInTheClear() throws Exception {
        byte[] sealed = seal.seal("record:run-1/web1", secret);
        assertEquals(secret.length + Seal.OVERHEAD, sealed.length);
        assertFalse(new String(sealed, UTF_8).contains("hunter2"));
        assertArrayEquals(secret, seal.open("record:run-1/web1", sealed));
        assertArrayEquals(new byte[0], seal.open("work", seal.seal("work", new byte[0])));
        assertFalse(Arrays.equals(sealed, seal.seal("record:run-1/web1", secret)), "a fresh nonce each time");
    }

    @Test
    void anyChangedByteIsRefused() {
        byte[] sealed = seal.seal("work", secret);
        for (int i = 0; i < sealed.length; i++) {
            byte[] t = sealed.clone();
            t[i] ^= 1;
            assertThrows(SealException.class, () -> seal.open("work", t), "byte " + i);
        }
        assertThrows(SealException.class, () -> seal.open("work", Arrays.copyOf(sealed, sealed.length - 1)));
        assertThrows(SealException.class, () -> seal.open("work", new byte[3]));
    }

    @Test
    void aPieceSealedAsOneThingDoesNotOpenAsAnother() {
        byte[] sealed = seal.seal("record:run-1/web1", secret);
        SealException e = assertThrows(SealException.class, () -> seal.open("record:run-1/web2", sealed));
        assertEquals("record:run-1/web2: does not prove the cluster key", e.getMessage());
        assertThrows(SealException.class, () -> seal.open("work", sealed));
        assertThrows(SealException.class, () -> seal.open("run:run-1", sealed));
    }

    @Test
    void anotherKeyNeitherOpensNorForges() {
        Seal other = new Seal(ClusterKey.of(TestMembers.WRONG_KEY));
        assertThrows(SealException.class, () -> other.open("work", seal.seal("work", secret)));
        assertThrows(SealException.class, () -> seal.open("work", other.seal("work", secret)));
    }
}
