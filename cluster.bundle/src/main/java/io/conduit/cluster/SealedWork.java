package io.conduit.cluster;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.concurrent.Callable;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.DataSerializableFactory;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;

/**
 * Work on its way to a partition's owner: only the sealed bytes travel. On the owner it is opened with the cluster
 * key under the context {@code work} and handed to that member's {@link io.conduit.api.cluster.ClusterWorker}; the
 * answer is sealed under a context bound to this very piece of work ({@link #answerContext}), so an answer cannot
 * be passed off for another work. Work that does not open is refused (a WARN without its content) and nothing
 * runs. The sealed bytes carry the time they were sealed: the owner refuses work older than the run's records are
 * kept (so a replay of captured work cannot run hosts again once their records, which make a repeat harmless, are
 * gone). Serialized by a factory registered in the engine's configuration, so no class is looked up by name.
 */
final class SealedWork implements Callable<byte[]>, IdentifiedDataSerializable, HazelcastInstanceAware {
    static final int FACTORY_ID = 0x436f6e64; // "Cond"
    static final int CLASS_ID = 1;
    static final String WORK_CONTEXT = "work";
    /** First byte of an opened answer: the worker's answer follows. */
    static final byte ANSWERED = 0;
    /** First byte of an opened answer: the worker threw; its one-line message follows (UTF-8). */
    static final byte FAILED = 1;
    /** How far ahead of this member's clock a sender's may be, ms. */
    static final long MAX_SKEW_MILLIS = 5 * 60_000;
    /** Longest message of a worker's failure carried back, characters. */
    static final int MAX_MESSAGE = 2000;
    private static final Logger LOG = LoggerFactory.getLogger(SealedWork.class);

    private byte[] sealed;
    private transient HazelcastInstance hz;

    /** For the factory. */
    SealedWork() {
    }

    SealedWork(byte[] sealed) {
        this.sealed = sealed;
    }

    /**
     * @param sealedWork the sealed work
     * @return the context its answer is sealed under: {@code answer:} and the SHA-256 of the sealed work
     */
    static String answerContext(byte[] sealedWork) {
        try {
            return "answer:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(sealedWork));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available in this JDK", e);
        }
    }

    @Override
    public void setHazelcastInstance(HazelcastInstance hazelcastInstance) {
        this.hz = hazelcastInstance;
    }

    /**
     * Runs on the owner, on a thread of the executor.
     *
     * @return the sealed answer
     * @throws SecurityException the work does not prove this member's cluster key (nothing ran)
     * @throws IllegalStateException this member is not ready for work
     */
    @Override
    public byte[] call() {
        Object holder = hz == null ? null : hz.getConfig().getUserContext().get(ClusterNode.USER_CONTEXT_KEY);
        ClusterNode node = holder instanceof ClusterNode.NodeHolder h ? h.node : null;
        if (node == null) {
            throw new IllegalStateException("the member is not ready for work yet");
        }
        byte[] work;
        try {
            work = unstamp(node.seal().open(WORK_CONTEXT, sealed), System.currentTimeMillis(), node.maxWorkAgeMillis());
        } catch (SealException e) {
            LOG.warn("cluster: refused work that does not prove the cluster key (sent by a member with another key,"
                    + " or changed on the way); nothing ran");
            throw new SecurityException("work refused: it does not prove the cluster key of the member it was sent to");
        } catch (StaleWorkException e) {
            LOG.warn("cluster: refused work sealed {}; nothing ran (a replay of old work, or clocks far apart)",
                    e.getMessage());
            throw new SecurityException("work refused: it was sealed " + e.getMessage());
        }
        byte[] answer;
        try {
            byte[] out = node.worker().execute(work);
            answer = new byte[1 + out.length];
            answer[0] = ANSWERED;
            System.arraycopy(out, 0, answer, 1, out.length);
        } catch (Exception e) {
            String m = e.getMessage() == null ? "the work failed" : e.getMessage().replaceAll("[\\r\\n]+", " ");
            if (m.length() > MAX_MESSAGE) {
                m = m.substring(0, MAX_MESSAGE) + "...";
            }
            LOG.warn("cluster: work failed on this member: {}", m);
            byte[] text = m.getBytes(StandardCharsets.UTF_8);
            answer = new byte[1 + text.length];
            answer[0] = FAILED;
            System.arraycopy(text, 0, answer, 1, text.length);
        }
        return node.seal().seal(answerContext(sealed), answer);
    }

    /**
     * @param work the core's work
     * @param now the time it is sealed, ms since the epoch
     * @return what is sealed: the time (8 bytes) and the work, so the owner can refuse old work replayed after the
     *         run's records (which make a repeat harmless) expired
     */
    static byte[] stamp(byte[] work, long now) {
        return ByteBuffer.allocate(8 + work.length).putLong(now).put(work).array();
    }

    /**
     * @param stamped what {@link #stamp} made, opened
     * @param now the time now, ms since the epoch
     * @param maxAgeMillis the oldest work taken
     * @return the work
     * @throws StaleWorkException it is older than {@code maxAgeMillis}, or sealed more than {@link #MAX_SKEW_MILLIS}
     *         in the future
     */
    static byte[] unstamp(byte[] stamped, long now, long maxAgeMillis) throws StaleWorkException {
        if (stamped.length < 8) {
            throw new StaleWorkException("without a time");
        }
        long at = ByteBuffer.wrap(stamped).getLong();
        if (now - at > maxAgeMillis) {
            throw new StaleWorkException((now - at) / 1000 + " s ago");
        }
        if (at - now > MAX_SKEW_MILLIS) {
            throw new StaleWorkException((at - now) / 1000 + " s in the future");
        }
        return Arrays.copyOfRange(stamped, 8, stamped.length);
    }

    /** Work sealed too long ago, or too far in the future; the message says when, for the log. */
    static final class StaleWorkException extends Exception {
        private static final long serialVersionUID = 1L;

        StaleWorkException(String when) {
            super(when);
        }
    }

    @Override
    public int getFactoryId() {
        return FACTORY_ID;
    }

    @Override
    public int getClassId() {
        return CLASS_ID;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        out.writeByteArray(sealed);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        sealed = in.readByteArray();
    }

    /** Makes {@link SealedWork} for the engine, registered in its configuration. */
    static final class Factory implements DataSerializableFactory {
        @Override
        public IdentifiedDataSerializable create(int classId) {
            return classId == CLASS_ID ? new SealedWork() : null;
        }
    }
}
