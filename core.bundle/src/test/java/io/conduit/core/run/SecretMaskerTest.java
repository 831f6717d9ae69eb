package io.conduit.core.run;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.conduit.api.connection.Secret;

/** Masking secrets by value in output that arrives in chunks, and in text. */
class SecretMaskerTest {
    private static final SecretMasker MASKER = SecretMasker.of(List.of(Secret.of("hunter2!"),
            Secret.of("pass1234"), Secret.of("pass1234567"), Secret.of("pässwörd"), Secret.of("abc")));

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Feeds the chunks one by one and ends the stream. */
    private static String streamed(boolean cut, byte[]... chunks) {
        SecretMasker.Stream stream = MASKER.stream();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] chunk : chunks) {
            out.writeBytes(stream.write(chunk, 0, chunk.length));
        }
        out.writeBytes(stream.finish(cut));
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void aSecretSplitAtEveryPointIsMasked() {
        for (String text : List.of("pw=hunter2!\n", "hunter2!", "x pässwörd y", "pass1234567 and pass1234.")) {
            String expected = MASKER.mask(text);
            byte[] bytes = utf8(text);
            for (int a = 0; a <= bytes.length; a++) {
                for (int b = a; b <= bytes.length; b++) {
                    String got = streamed(false, Arrays.copyOfRange(bytes, 0, a), Arrays.copyOfRange(bytes, a, b),
                            Arrays.copyOfRange(bytes, b, bytes.length));
                    assertEquals(expected, got, "split at " + a + " and " + b + " of " + text);
                }
            }
        }
        assertEquals("pw=***\n", MASKER.mask("pw=hunter2!\n"));
        assertEquals("x *** y", MASKER.mask("x pässwörd y"));
    }

    @Test
    void oneByteAtATimeMasksEverySecret() {
        byte[] bytes = utf8("a hunter2! b pässwörd c pass1234567 d");
        byte[][] chunks = new byte[bytes.length][];
        for (int i = 0; i < bytes.length; i++) {
            chunks[i] = new byte[] {bytes[i]};
        }
        assertEquals("a *** b *** c *** d", streamed(false, chunks));
    }

    @Test
    void theLongestSecretWinsEvenWhenItCompletesInALaterChunk() {
        // pass1234 is complete in the first chunk, but pass1234567 may still follow: no "567" may leak
        assertEquals("*** end", streamed(false, utf8("pass1234"), utf8("567 end")));
        assertEquals("***89 end", streamed(false, utf8("pass1234"), utf8("89 end")));
        assertEquals("***", streamed(false, utf8("pass1234")));
    }

    @Test
    void aStreamThatEndsOnASecretsBeginningKeepsIt() {
        assertEquals("hunt", streamed(false, utf8("hu"), utf8("nt")));
    }

    @Test
    void aStreamCutAtTheLimitMasksTheSecretsBeginningItEndsWith() {
        assertEquals("out: ***", streamed(true, utf8("out: hun"), utf8("te")));
        assertEquals("out: ***", new String(MASKER.mask(utf8("out: hunte"), true), StandardCharsets.UTF_8));
        assertEquals("out: hunted", new String(MASKER.mask(utf8("out: hunted"), true), StandardCharsets.UTF_8));
    }

    @Test
    void valuesShorterThanFourBytesAreNotMasked() {
        assertEquals("abc cab", MASKER.mask("abc cab"));
        assertEquals("abc", new String(MASKER.mask(utf8("abc"), false), StandardCharsets.UTF_8));
    }

    @Test
    void textWithoutSecretsComesBackAsItWas() {
        byte[] plain = utf8("nothing to hide here");
        assertEquals(plain, MASKER.mask(plain, false));
        assertEquals("x", SecretMasker.NONE.mask("x"));
        assertEquals(null, MASKER.mask((String) null));
    }
}
