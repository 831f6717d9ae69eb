package io.conduit.docker.archive;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tar writer and reader against each other and against GNU tar. */
class TarTest {
    @TempDir
    Path tmp;

    private static byte[] read(Tar.Reader reader) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[1000];
        for (int n = reader.read(buffer, 0, buffer.length); n >= 0; n = reader.read(buffer, 0, buffer.length)) {
            out.write(buffer, 0, n);
        }
        return out.toByteArray();
    }

    @Test
    void roundTripWithLongNameModeAndOwner() throws IOException {
        String name = "n".repeat(150) + "-ü.txt";
        byte[] content = "hello\n".repeat(300).getBytes(StandardCharsets.UTF_8);
        InputStream tar = Tar.singleFile(name, new ByteArrayInputStream(content), content.length, 0640, 1000, 1001, 1700000000L);
        Tar.Reader reader = new Tar.Reader(tar);
        Tar.Entry entry = reader.next();
        assertEquals(name, entry.name());
        assertEquals(0640, entry.mode());
        assertEquals(1000, entry.uid());
        assertEquals(1001, entry.gid());
        assertEquals(1700000000L, entry.mtime());
        assertArrayEquals(content, read(reader));
        assertNull(reader.next());
    }

    @Test
    void gnuTarReadsWhatWeWriteAndWeReadWhatItWrites() throws Exception {
        byte[] content = new byte[5000];
        for (int i = 0; i < content.length; i++) {
            content[i] = (byte) i;
        }
        Path archive = tmp.resolve("ours.tar");
        Files.copy(Tar.singleFile("f.bin", new ByteArrayInputStream(content), content.length, 0754, 0, 0, 1L), archive);
        Path out = Files.createDirectory(tmp.resolve("out"));
        run(List.of("tar", "-xf", archive.toString(), "-C", out.toString()));
        assertArrayEquals(content, Files.readAllBytes(out.resolve("f.bin")));
        assertEquals("rwxr-xr--", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(out.resolve("f.bin"))));

        // GNU tar in POSIX (PAX) format with a long name, as Go's archive/tar writes them
        String longName = "d".repeat(120);
        Files.write(out.resolve(longName), content);
        Path theirs = tmp.resolve("theirs.tar");
        run(List.of("tar", "--format=posix", "-cf", theirs.toString(), "-C", out.toString(), longName));
        try (InputStream in = Files.newInputStream(theirs)) {
            Tar.Reader reader = new Tar.Reader(in);
            Tar.Entry entry = reader.next();
            assertEquals(longName, entry.name());
            assertEquals(content.length, entry.size());
            assertArrayEquals(content, read(reader));
            assertNull(reader.next());
        }
    }

    @Test
    void aFileThatShrinksWhileSentFailsTheUpload() {
        InputStream tar = Tar.singleFile("f", new ByteArrayInputStream(new byte[10]), 20, 0644, 0, 0, 0);
        IOException e = assertThrows(IOException.class, () -> tar.readAllBytes());
        assertEquals("the local file got shorter while it was being sent; 10 bytes missing", e.getMessage());
    }

    @Test
    void notTarIsSaid() {
        IOException e = assertThrows(IOException.class,
                () -> new Tar.Reader(new ByteArrayInputStream(new byte[512 + 1]) {
                    {
                        buf[0] = 'x';
                    }
                }).next());
        assertEquals(true, e.getMessage().startsWith("not a tar stream"));
    }

    @Test
    void absoluteAndDotDotEntriesAreRefusedBothWays() throws IOException {
        for (String name : List.of("/etc/passwd", "../up", "a/../../up")) {
            assertThrows(IllegalArgumentException.class,
                    () -> Tar.singleFile(name, new ByteArrayInputStream(new byte[1]), 1, 0644, 0, 0, 0), name);
            ByteArrayOutputStream archive = new ByteArrayOutputStream();
            try (TarArchiveOutputStream out = new TarArchiveOutputStream(archive)) {
                TarArchiveEntry entry = new TarArchiveEntry(name, true); // as given, no leading "/" stripped
                entry.setSize(1);
                out.putArchiveEntry(entry);
                out.write('x');
                out.closeArchiveEntry();
            }
            IOException e = assertThrows(IOException.class,
                    () -> new Tar.Reader(new ByteArrayInputStream(archive.toByteArray())).next(), name);
            assertEquals(true, e.getMessage().startsWith("tar entry \"" + name + "\" refused"), e.getMessage());
        }
    }

    @Test
    void aBrokenStreamIsToldAsItselfNotAsABrokenArchive() {
        IOException broken = new IOException("connection reset");
        InputStream in = new InputStream() {
            @Override
            public int read() throws IOException {
                throw broken;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                throw broken;
            }
        };
        assertEquals(broken, assertThrows(IOException.class, () -> new Tar.Reader(in).next()));
    }

    private static void run(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(cmd + ": " + new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        }
    }
}
