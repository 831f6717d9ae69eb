package io.conduit.cluster;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.conduit.api.cluster.ClusterWorker;

/**
 * A worker that answers {@code NODE|WORK}, keeps every work it got, and may hold work whose text starts with
 * {@code block} until released.
 */
final class FakeWorker implements ClusterWorker {
    final String node;
    final List<String> works = new CopyOnWriteArrayList<>();
    final CountDownLatch blockedStarted = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);

    FakeWorker(String node) {
        this.node = node;
    }

    @Override
    public byte[] execute(byte[] work) throws Exception {
        String w = new String(work, StandardCharsets.UTF_8);
        works.add(w);
        if (w.startsWith("fail")) {
            throw new IllegalStateException("the inventory\nis missing on " + node);
        }
        if (w.startsWith("block")) {
            blockedStarted.countDown();
            if (!release.await(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("never released");
            }
        }
        return (node + "|" + w).getBytes(StandardCharsets.UTF_8);
    }
}
