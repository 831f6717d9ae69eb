package io.conduit.rest.client;

import java.net.http.HttpRequest;
import java.nio.ByteBuffer;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A request body that counts the bytes it handed to the HTTP client in its latest attempt (each attempt
 * subscribes anew): an upload's retry rule ({@link DeviceClient#send(String, java.net.http.HttpRequest,
 * CountingBody)}) needs to know whether any of it went out.
 */
public final class CountingBody implements HttpRequest.BodyPublisher {
    private final HttpRequest.BodyPublisher body;
    private final AtomicLong sent = new AtomicLong();

    /** @param body the body to send and count */
    public CountingBody(HttpRequest.BodyPublisher body) {
        this.body = body;
    }

    /** @return the bytes handed over in the latest attempt, {@code 0} when none went out */
    public long sent() {
        return sent.get();
    }

    @Override
    public long contentLength() {
        return body.contentLength();
    }

    @Override
    public void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber) {
        sent.set(0);
        body.subscribe(new Flow.Subscriber<ByteBuffer>() {
            @Override
            public void onSubscribe(Flow.Subscription subscription) {
                subscriber.onSubscribe(subscription);
            }

            @Override
            public void onNext(ByteBuffer item) {
                sent.addAndGet(item.remaining());
                subscriber.onNext(item);
            }

            @Override
            public void onError(Throwable throwable) {
                subscriber.onError(throwable);
            }

            @Override
            public void onComplete() {
                subscriber.onComplete();
            }
        });
    }
}
