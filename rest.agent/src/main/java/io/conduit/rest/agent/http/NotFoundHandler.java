package io.conduit.rest.agent.http;

import java.io.IOException;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;

/** Answers every path outside the API with a JSON 404 that names the API path. */
public final class NotFoundHandler implements HttpHandler {
    private final String apiPath;

    /** @param apiPath the API's base path, named in the error */
    public NotFoundHandler(String apiPath) {
        this.apiPath = apiPath;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        try {
            ApiHandler.error(exchange, 404, "no endpoint " + exchange.getRequestMethod() + " "
                    + exchange.getRequestURI().getRawPath() + "; the API is under " + apiPath);
        } finally {
            exchange.close();
        }
    }
}
