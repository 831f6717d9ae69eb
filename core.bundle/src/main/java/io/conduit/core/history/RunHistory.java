package io.conduit.core.history;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;

import io.conduit.api.support.ConfigCheck;
import io.conduit.api.support.Configured;

/**
 * The run history: one JSON file per run, {@code ID.json} in {@code ${conduit.data}/runs}, kept within the
 * bounds of {@link HistoryConfig} (Ansible keeps a retry file per playbook, Rundeck an execution history, Salt a
 * job cache; Conduit keeps one small record per run, without the hosts' output).
 *
 * <p><b>IDs</b> are 1, 2, 3...: the next one after the highest file present, claimed with
 * {@link Files#createFile} (which fails when the file exists), so two Conduit processes on one data directory
 * never share an ID; the IDs go on across restarts. An ID is given when the run starts ({@link #start}: a record
 * with {@code started}, the process's pid and start time and no {@code ended}), and the record is completed when
 * it ends ({@link #complete}); so IDs follow starting order, {@code runs} shows the runs in progress, and a run
 * whose process was killed keeps a record, shown as interrupted ({@link RunRecord#state}). Each write goes to a
 * temporary file first, then is moved over the record, so a reader sees a whole record or an empty file (a claim
 * being written), which it passes over.
 *
 * <p><b>Bounds</b>: after each start the oldest records (lowest IDs) are removed while there are more than
 * {@code max_runs}, while they take more than {@code max_bytes}, and any that ended (or, without an end, started)
 * more than {@code max_age} days ago; a file that is not a record counts for neither bound and is removed only by
 * age, by its file time. A record still running in a live process is never removed, nor the one just written, so
 * the IDs never go back.
 *
 * <p>Only regular files are read or removed: a symbolic link is passed over, never followed. A file that cannot
 * be read or is not a record is passed over with a WARN line in the log; it never breaks a listing. Writing never
 * fails a run: {@link #start} and {@link #complete} throw, and the caller says it in one line.
 */
@Component(service = RunHistory.class, configurationPid = RunHistory.PID)
@Designate(ocd = HistoryConfig.class)
public final class RunHistory {
    /** Configuration PID. */
    public static final String PID = "io.conduit.history";
    /** Framework property naming the data directory, set by the launcher ({@code Distribution.DATA_PROPERTY}). */
    public static final String DATA_PROPERTY = "conduit.data";
    /** Framework property naming the Conduit home, whose {@code data/} serves when {@value #DATA_PROPERTY} is unset. */
    static final String HOME_PROPERTY = "conduit.home";
    /** What refuses to work while the configuration is invalid. */
    static final String USE = "conduit:runs and --rerun-failed";
    private static final Logger LOG = LoggerFactory.getLogger(RunHistory.class);
    /** The records' directory in the data directory. */
    static final String DIRECTORY = "runs";
    /** The largest file read as a record (one of 100,000 hosts is about 10 MB); a larger one is passed over. */
    static final long MAX_RECORD_BYTES = 32L << 20;
    private static final Pattern FILE = Pattern.compile("([1-9][0-9]{0,17})\\.json");
    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().serializeNulls()
            .create();

    /**
     * The bounds.
     *
     * @param maxRuns the most records kept, 1 or more
     * @param maxAge how long a record is kept, 1 day or more
     * @param maxBytes the most bytes the records take together, 4096 or more
     */
    public record Settings(int maxRuns, Duration maxAge, long maxBytes) {
        /** The defaults: 1000 runs, 30 days, 64 MiB. */
        public static final Settings DEFAULTS = new Settings(1000, Duration.ofDays(30), 64L << 20);

        /**
         * @throws IllegalArgumentException a bound out of range, naming the key, the value and the range
         */
        public Settings {
            if (maxRuns < 1) {
                throw new IllegalArgumentException(PID + ": max_runs: \"" + maxRuns + "\" keeps no run; give 1 or"
                        + " more");
            }
            if (maxAge.compareTo(Duration.ofDays(1)) < 0) {
                throw new IllegalArgumentException(PID + ": max_age: \"" + maxAge.toDays() + "\" keeps no run; give"
                        + " a number of days, 1 or more");
            }
            if (maxBytes < 4096) {
                throw new IllegalArgumentException(PID + ": max_bytes: \"" + maxBytes + "\" is too small for a"
                        + " record; give 4096 or more");
            }
        }

        static Settings from(HistoryConfig config) {
            if (config.max__age() < 1 || config.max__age() > 365_000) {
                throw new IllegalArgumentException(PID + ": max_age: \"" + config.max__age() + "\" is not a number"
                        + " of days from 1 to 365000");
            }
            return new Settings(config.max__runs(), Duration.ofDays(config.max__age()), config.max__bytes());
        }
    }

    /**
     * The records a listing found, and the files it passed over.
     *
     * @param runs the records, newest first
     * @param skipped each file passed over, with why ({@code /.../data/runs/7.json: not a run record (not JSON);
     *        remove it})
     */
    public record Listing(List<RunRecord> runs, List<String> skipped) {
        /** Copies the lists in. */
        public Listing {
            runs = List.copyOf(runs);
            skipped = List.copyOf(skipped);
        }
    }

    private final Path dir;
    private volatile Configured<Settings> settings;

    /**
     * For DS: the directory is {@code runs} in the framework property {@value #DATA_PROPERTY} (else in
     * {@code data/} of {@code conduit.home}, else of the working directory). Activates even with an invalid
     * configuration: the problem is logged once, and no record is written and {@code runs} refuses until it is
     * fixed.
     *
     * @param config the bounds
     * @param properties the same configuration as ConfigAdmin gave it, to check the values' types
     * @param context the bundle's context, for the framework properties
     */
    @Activate
    public RunHistory(HistoryConfig config, Map<String, Object> properties, BundleContext context) {
        this(directoryOf(context.getProperty(DATA_PROPERTY), context.getProperty(HOME_PROPERTY)),
                configure(config, properties));
    }

    /**
     * A history in a directory of one's choosing (tests, tools).
     *
     * @param dir the directory the records go to; created on the first write
     * @param settings the bounds
     */
    public RunHistory(Path dir, Settings settings) {
        this(dir, Configured.of(settings));
    }

    private RunHistory(Path dir, Configured<Settings> settings) {
        this.dir = dir.toAbsolutePath().normalize();
        this.settings = settings;
    }

    @Modified
    void modified(HistoryConfig config, Map<String, Object> properties) {
        settings = configure(config, properties);
    }

    private static Configured<Settings> configure(HistoryConfig config, Map<String, Object> properties) {
        Configured<Settings> c = ConfigCheck.validate(PID, HistoryConfig.class, properties,
                () -> Settings.from(config));
        if (!c.valid()) {
            LOG.error("{} (no run is recorded, and {} refuse to work until then)", c.problem(), USE);
        }
        return c;
    }

    /**
     * The directory of the records: {@code runs} in the data directory. Not {@code history}: that is the
     * interactive shell's line history file ({@code etc/gosh_profile}).
     */
    static Path directoryOf(String data, String home) {
        if (data != null && !data.isBlank()) {
            return Path.of(data).resolve(DIRECTORY);
        }
        return (home != null && !home.isBlank() ? Path.of(home) : Path.of("")).resolve("data").resolve(DIRECTORY);
    }

    /** @return the directory the records are in (absolute) */
    public Path directory() {
        return dir;
    }

    /**
     * Gives a record the next ID, writes it (temporary file, then moved into place) and removes the oldest
     * records beyond the bounds.
     *
     * @param record the run; its {@code id} is ignored
     * @return the ID given, 1 or more
     * @throws IOException the directory or the file cannot be written (disk full, read-only), or the
     *         configuration is invalid; the message says which, and the run it belongs to is not affected
     */
    public long save(RunRecord record) throws IOException {
        return start(record);
    }

    /**
     * Gives a run the next ID when it starts and writes its record as it is (without {@code ended}: it shows as
     * running, or as interrupted once its process is gone), then removes the oldest records beyond the bounds.
     *
     * @param record the run as it starts (or a whole one); its {@code id} is ignored
     * @return the ID given, 1 or more; {@link #complete} takes the record with it
     * @throws IOException the directory or the file cannot be written (disk full, read-only), or the
     *         configuration is invalid; the message says which, and the run it belongs to is not affected
     */
    public long start(RunRecord record) throws IOException {
        Configured<Settings> c = settings;
        if (!c.valid()) {
            throw new IOException("configuration " + PID + " is invalid: " + c.problem());
        }
        Files.createDirectories(dir);
        long id = claim();
        try {
            write(record.withId(id));
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(dir.resolve(id + ".json")); // the empty claim: a later run may take the number
            throw e;
        }
        prune(c.settings(), id);
        return id;
    }

    /**
     * Replaces a started run's record with its whole one (atomically where the file system can).
     *
     * @param record the whole record, with the ID {@link #start} gave
     * @throws IOException the file cannot be written; the started record stays (shown as interrupted once the
     *         process is gone)
     */
    public void complete(RunRecord record) throws IOException {
        if (record.id() < 1) {
            throw new IllegalArgumentException("a record completes the one start gave an ID, not " + record.id());
        }
        write(record);
    }

    /**
     * Removes a started run's record when nothing ran (the inventory could not be loaded, the pattern selected no
     * host): such a run had no record before IDs were claimed at the start. A record with an end is kept.
     *
     * @param id the ID {@link #start} gave
     * @throws IOException the file cannot be read or removed
     */
    public void abandon(long id) throws IOException {
        Optional<RunRecord> r = find(id);
        if (r.isPresent() && r.get().ended() == null) {
            Files.deleteIfExists(dir.resolve(id + ".json"));
        }
    }

    private void write(RunRecord record) throws IOException {
        Path file = dir.resolve(record.id() + ".json");
        Path temp = dir.resolve("." + record.id() + ".json." + ProcessHandle.current().pid() + ".tmp");
        try {
            Files.writeString(temp, GSON.toJson(record.toJson()) + "\n", StandardCharsets.UTF_8);
            try {
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /** Claims the number after the highest one present, or the next free one when another process was quicker. */
    private long claim() throws IOException {
        long id = highest() + 1;
        while (true) {
            try {
                Files.createFile(dir.resolve(id + ".json"));
                return id;
            } catch (FileAlreadyExistsException e) {
                id++;
            }
        }
    }

    private long highest() throws IOException {
        return files().stream().mapToLong(Entry::id).max().orElse(0);
    }

    /** A record's file; {@code regular} false for a symbolic link or anything else than a regular file. */
    private record Entry(long id, Path file, boolean regular) {
    }

    /** @return the records' files, lowest ID first; an empty list when the directory does not exist */
    private List<Entry> files() throws IOException {
        List<Entry> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
            for (Path p : stream) {
                Matcher m = FILE.matcher(p.getFileName().toString());
                if (m.matches()) {
                    out.add(new Entry(Long.parseLong(m.group(1)), p,
                            Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)));
                }
            }
        }
        out.sort(Comparator.comparingLong(Entry::id));
        return out;
    }

    private void prune(Settings bounds, long keep) {
        try {
            List<Entry> all = files();
            long[] sizes = new long[all.size()];
            long total = 0;
            for (int i = 0; i < all.size(); i++) {
                sizes[i] = size(all.get(i).file());
            }
            // only records count; a file that is not one (nor a symbolic link) is removed by age alone. Each file's
            // head is read, not the whole record: this runs after every run, and 64 MiB of records would cost more
            // than a run
            RunRecord.Head[] records = new RunRecord.Head[all.size()];
            int count = 0;
            for (int i = 0; i < all.size(); i++) {
                records[i] = all.get(i).regular() ? RunRecord.head(all.get(i).file(), all.get(i).id()) : null;
                if (records[i] != null) {
                    count++;
                    total += sizes[i];
                }
            }
            Instant oldest = Instant.now().minus(bounds.maxAge());
            for (int i = 0; i < all.size(); i++) {
                Entry e = all.get(i);
                if (e.id() >= keep) {
                    break; // the run just written, and those written since by another process
                }
                if (!e.regular()) {
                    continue; // a symbolic link is never followed, nor removed through
                }
                RunRecord.Head r = records[i];
                boolean old;
                try {
                    old = (r != null ? r.last() : Files.getLastModifiedTime(e.file(), LinkOption.NOFOLLOW_LINKS)
                            .toInstant()).isBefore(oldest);
                } catch (NoSuchFileException gone) {
                    continue; // removed by another process
                }
                if (r == null) {
                    if (old) { // not a record (or a claim never written), long untouched
                        Files.deleteIfExists(e.file());
                    }
                    continue;
                }
                if (RunRecord.RUNNING.equals(r.state())) {
                    continue; // a run in progress in a live process: its record is completed when it ends
                }
                if (count > bounds.maxRuns() || total > bounds.maxBytes() || old) {
                    Files.deleteIfExists(e.file());
                    count--;
                    total -= sizes[i];
                }
            }
        } catch (IOException e) {
            LOG.warn("run history: could not remove old records from {}: {}", dir, e.toString());
        }
    }

    private static long size(Path file) {
        try {
            return Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class,
                    LinkOption.NOFOLLOW_LINKS).size();
        } catch (IOException e) {
            return 0;
        }
    }

    /**
     * The newest records, newest first; a file that cannot be read or is not a record is passed over (logged at
     * WARN and named in {@link Listing#skipped}), and an empty one (a run being written) silently.
     *
     * @param limit the most records to return, 1 or more
     * @return the records and the files passed over
     * @throws IOException the directory cannot be listed
     * @throws io.conduit.api.support.InvalidConfigurationException the configuration is invalid
     */
    public Listing recent(int limit) throws IOException {
        settings.get(USE);
        List<Entry> all = files();
        List<RunRecord> runs = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        for (int i = all.size() - 1; i >= 0 && runs.size() < limit; i--) {
            try {
                read(all.get(i), true).ifPresent(runs::add);
            } catch (IOException e) {
                skipped.add(e.getMessage());
            }
        }
        return new Listing(runs, skipped);
    }

    /**
     * @param id a run's ID
     * @return its record, or empty when there is no such file (or it is still being written)
     * @throws IOException the file exists but cannot be read or is not a record; the message names the file and
     *         why
     * @throws io.conduit.api.support.InvalidConfigurationException the configuration is invalid
     */
    public Optional<RunRecord> find(long id) throws IOException {
        settings.get(USE);
        Path file = dir.resolve(id + ".json");
        if (id < 1 || !Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            return Optional.empty();
        }
        return read(new Entry(id, file, Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)), true);
    }

    /**
     * @param limit the most IDs, 1 or more
     * @return the highest IDs present, highest first (for messages naming the runs there are)
     * @throws IOException the directory cannot be listed
     */
    public List<Long> newest(int limit) throws IOException {
        List<Entry> all = files();
        List<Long> ids = new ArrayList<>();
        for (int i = all.size() - 1; i >= 0 && ids.size() < limit; i--) {
            ids.add(all.get(i).id());
        }
        return ids;
    }

    /**
     * @param log whether a file passed over is logged (a listing), or not (pruning reads every file each run)
     */
    private Optional<RunRecord> read(Entry e, boolean log) throws IOException {
        if (!e.regular()) {
            throw skipped(e, "not a run record (a symbolic link or not a regular file; it is not followed); remove"
                    + " it", log);
        }
        String text;
        long size = size(e.file());
        if (size > MAX_RECORD_BYTES) {
            throw skipped(e, "not a run record (" + size + " bytes, more than a record has: " + MAX_RECORD_BYTES
                    + "); remove it", log);
        }
        try (java.io.InputStream in = Files.newInputStream(e.file(), LinkOption.NOFOLLOW_LINKS)) {
            text = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(in.readAllBytes()))
                    .toString();
        } catch (NoSuchFileException gone) {
            return Optional.empty(); // removed meanwhile
        } catch (java.nio.charset.CharacterCodingException x) {
            throw skipped(e, "not a run record (not UTF-8 text); remove it", log);
        } catch (IOException | RuntimeException x) {
            throw skipped(e, "cannot be read (" + (x.getMessage() == null ? "an I/O error" : x.getMessage())
                    + "); check its owner and permissions", log);
        }
        if (text.isBlank()) {
            return Optional.empty();
        }
        RunRecord r;
        try {
            r = RunRecord.fromJson(text);
        } catch (IllegalArgumentException x) {
            throw skipped(e, "not a run record (" + x.getMessage() + "); remove it", log);
        }
        if (r.id() != e.id()) {
            throw skipped(e, "not a run record (its id is " + r.id() + ", not " + e.id() + "); remove it", log);
        }
        return Optional.of(r);
    }

    private static IOException skipped(Entry e, String why, boolean log) {
        String message = e.file() + ": " + why;
        if (log) {
            LOG.warn("run history: skipped {}", message);
        }
        return new IOException(message);
    }
}
