package io.aisix.plugin.vertex;

import com.google.api.client.http.HttpTransport;
import com.google.api.client.http.LowLevelHttpRequest;
import com.google.api.client.http.LowLevelHttpResponse;
import io.aisix.spi.Headers;
import io.aisix.spi.provider.UpstreamClient;
import io.aisix.spi.provider.UpstreamRequest;
import io.aisix.spi.provider.UpstreamResponse;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * google-http-client's transport on the kernel's upstream client, so google-auth's token requests
 * (the service account's {@code token_uri}, the metadata server for application default
 * credentials) go through the gateway's pooled client and its timeouts like every other upstream
 * call: plugins never open sockets themselves. Answers are small and read whole.
 */
final class VertexTransport extends HttpTransport {
    /** Bound of one token request when google-http-client sets none. */
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(20);

    private volatile UpstreamClient client;

    VertexTransport(UpstreamClient client) {
        this.client = client;
    }

    /** The client of the current request (the kernel lends one client for the process's life). */
    void use(UpstreamClient current) {
        this.client = current;
    }

    @Override
    protected LowLevelHttpRequest buildRequest(String method, String url) {
        return new Request(method, url);
    }

    private final class Request extends LowLevelHttpRequest {
        private final String method;
        private final String url;
        private final Headers.Builder headers = Headers.builder();
        private Duration timeout = DEFAULT_TIMEOUT;

        Request(String method, String url) {
            this.method = method;
            this.url = url;
        }

        @Override
        public void addHeader(String name, String value) {
            headers.add(name, value);
        }

        @Override
        public void setTimeout(int connectTimeout, int readTimeout) {
            if (readTimeout > 0) {
                timeout = Duration.ofMillis(readTimeout + (long) Math.max(connectTimeout, 0));
            }
        }

        @Override
        public LowLevelHttpResponse execute() throws IOException {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            if (getStreamingContent() != null) {
                getStreamingContent().writeTo(body);
                if (getContentType() != null) {
                    headers.set("content-type", getContentType());
                }
            }
            UpstreamRequest request = new UpstreamRequest(method, url, headers.build(), body.toByteArray(), false,
                    timeout, Optional.empty(), true);
            UpstreamResponse response = client.send(request);
            byte[] answer;
            try {
                answer = response.readAll();
            } finally {
                response.close();
            }
            return new Response(response.status(), response.headers(), answer);
        }
    }

    private static final class Response extends LowLevelHttpResponse {
        private final int status;
        private final byte[] body;
        private final List<String> names = new ArrayList<>();
        private final List<String> values = new ArrayList<>();
        private final String contentType;
        private final String contentEncoding;

        Response(int status, Headers headers, byte[] body) {
            this.status = status;
            this.body = body;
            for (Map.Entry<String, List<String>> e : headers.asMap().entrySet()) {
                for (String v : e.getValue()) {
                    names.add(e.getKey());
                    values.add(v);
                }
            }
            this.contentType = headers.first("content-type").orElse(null);
            this.contentEncoding = headers.first("content-encoding").orElse(null);
        }

        @Override
        public InputStream getContent() {
            return new ByteArrayInputStream(body);
        }

        @Override
        public String getContentEncoding() {
            return contentEncoding;
        }

        @Override
        public long getContentLength() {
            return body.length;
        }

        @Override
        public String getContentType() {
            return contentType;
        }

        @Override
        public String getStatusLine() {
            return "HTTP/1.1 " + status;
        }

        @Override
        public int getStatusCode() {
            return status;
        }

        @Override
        public String getReasonPhrase() {
            return null;
        }

        @Override
        public int getHeaderCount() {
            return names.size();
        }

        @Override
        public String getHeaderName(int index) {
            return names.get(index);
        }

        @Override
        public String getHeaderValue(int index) {
            return values.get(index);
        }
    }
}
