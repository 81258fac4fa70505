package io.aisix.kernel.store;

/** The configuration store cannot be reached; the Admin API answers 503. */
public class StoreUnavailableException extends RuntimeException {
    public StoreUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
