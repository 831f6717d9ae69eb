package io.conduit.rest.client;

import java.io.ByteArrayOutputStream;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

import io.conduit.api.connection.ProtocolException;

/**
 * Collects a body of at most {@code limit} bytes, so that the request's future completes with the whole answer
 * and one bounded, interruptible wait covers it (a heartbeat answer starts long before it ends). A larger body
 * fails the future with a {@link ProtocolException}.
 */
public final class CappedBody implements HttpResponse.BodySubscriber<byte[]> {
    private final long limit;
    private final CompletableFuture<byte[]> body = new CompletableFuture<>();
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private Flow.Subscription subscription;

    private CappedBody(long limit) {
        this.limit = limit;
    }

    /**
     * @param limit the most bytes kept, {@code 0} or more
     * @return a handler giving each answer's body as bytes, refusing more than {@code limit}
     */
    public static HttpResponse.BodyHandler<byte[]> capped(long limit) {
        return info -> new CappedBody(limit);
    }

    @Override
    public CompletionStage<byte[]> getBody() {
        return body;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        subscription = s;
        s.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
        if (body.isDone()) {
            return;
        }
        for (ByteBuffer b : items) {
            if (bytes.size() + (long) b.remaining() > limit) {
                subscription.cancel();
                body.completeExceptionally(new ProtocolException("the answer is larger than " + limit
                        + " bytes; refusing to hold it in memory"));
                return;
            }
            byte[] chunk = new byte[b.remaining()];
            b.get(chunk);
            bytes.write(chunk, 0, chunk.length);
        }
    }

    @Override
    public void onError(Throwable t) {
        body.completeExceptionally(t);
    }

    @Override
    public void onComplete() {
        body.complete(bytes.toByteArray());
    }
}
