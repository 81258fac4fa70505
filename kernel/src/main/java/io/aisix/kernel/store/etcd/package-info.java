/**
 * The configuration store on etcd v3 (jetcd), {@link io.aisix.kernel.store.etcd.EtcdStore}.
 *
 * <h2>Layout</h2>
 * Key {@code <prefix>/<kind>/<id>} (the prefix is normalised to end with one {@code /}, so
 * {@code /aisix} never matches {@code /aisixmodels/...}); value = the resource as bare JSON bytes,
 * handed over unvalidated (a malformed value reaches the listener as it is: validation and
 * "last good value keeps serving" belong to the snapshot builder); revision = the key's mod
 * revision. Kind and id must match {@code [A-Za-z0-9._-]{1,128}}; other keys under the prefix are
 * ignored and logged once per key. {@code list} returns rows in id order.
 *
 * <h2>Writes and failures</h2>
 * {@code ANY} is a plain put/delete; {@code ABSENT} and a revision {@code n} are transactions
 * comparing the key's mod revision with 0 or {@code n} (etcd compares a missing key as 0), whose
 * else-branch reads the key so that {@link io.aisix.kernel.store.RevisionConflictException}
 * carries the actual revision (0: missing). Deleting with {@code ABSENT} returns false for a
 * missing row and conflicts for an existing one. Every call is bounded by a gRPC deadline
 * ({@code etcd.dial_timeout_ms} unless the builder sets another) and fails fast while etcd is
 * unreachable; every failure, authentication included, is a
 * {@link io.aisix.kernel.store.StoreUnavailableException} naming the endpoints and the root cause.
 *
 * <h2>Watch</h2>
 * One supervisor thread per store makes every listener call. Cycle: paged read of the prefix at one
 * revision R, {@code onSync(rows, R)}, watch from R+1, then {@code onChanges(batch, revision)} with
 * whole revisions: etcd sends every event of one revision (a transaction) in one watch response,
 * and the supervisor appends every response already queued behind the one it takes (those that
 * arrived while the listener applied the previous batch), so one batch is one or more complete
 * revisions and never part of one. Keys outside the layout are left out of a batch (which may then
 * be empty, so the revision still advances). The watch client's callback reports each response's
 * last revision at once through {@code onRevisionSeen}, from its own thread.
 *
 * <p>Connection changes are reported when they happen and the first outcome is always
 * reported: on success {@code onSync} then {@code onConnectionChange(true)} (so a listener that
 * sees "connected" already holds fresh content); on failure {@code onConnectionChange(false)}
 * then, at startup only, {@code onSync} from the snapshot cache file. Any read or watch failure is
 * a disconnect: the listener keeps its state, the client is replaced by a fresh one (gRPC's own
 * channel backoff would otherwise delay a recovery by up to two minutes) after a backoff of 100 ms
 * doubling to 500 ms, each wait drawn between half and all of that (replicas do not retry in
 * lockstep), reset by a successful sync; a read or write through the store that succeeds while the
 * watch is down ends the wait at once. Every reconnect is a full resync. A watch cancelled for
 * compaction resyncs after 100 ms without reporting a disconnect. A listener that throws is logged
 * and does not stop the watch. The first failure of an outage is logged with what to check (from
 * the error: endpoints, TLS settings, credentials, etcd's health), later ones at most once a minute
 * or when the error changes, the recovery once.
 *
 * <h2>Status and last known rows</h2>
 * {@code status()} is {@code CONNECTED}, {@code DISCONNECTED} (with the error and since when) or
 * {@code FAILED}: an {@link java.lang.Error} that ends the supervisor (a {@code NoClassDefFoundError}
 * from an incomplete installation) or a {@link java.lang.LinkageError} in any call leaves the store
 * failed for good, logged once with what to check; it then refuses every call. While the watch is
 * down (or failed), {@code lastKnown()} holds the rows of the last sync or cache file, frozen when
 * the connection was lost, with their revision and the instant of the loss.

 * <h2>Snapshot cache</h2>
 * With {@code etcd.snapshot_cache_file} set, the full content and its revision are written after a
 * sync or changes (debounced: 200 ms of quiet, at most 2 s late; flushed on close and before a
 * reconnect pause), atomically: temp file in the same folder, fsync, rename, fsync of the folder,
 * mode 0600 (the rows hold provider secrets). Format:
 * {@code {"version":1,"prefix":"/aisix/","revision":R,"saved_at":"...","rows":[{"kind","id","revision","value_b64"}]}}.
 * It is read only when the first attempt at startup fails; a file that is unreadable, malformed or
 * written for another prefix is ignored with a warning.
 *
 * <h2>Security</h2>
 * {@code https://} endpoints use TLS: {@code tls.ca_file} alone verifies the server,
 * {@code cert_file} + {@code key_file} add a client certificate (mTLS), without a CA the JDK trust
 * store applies; {@code server_name} overrides the name checked against the server certificate.
 * TLS settings with {@code http://} endpoints, mixed schemes, one of cert/key without the other, an
 * unreadable, garbage or encrypted file, or a key that does not match its certificate stop the
 * startup with a {@link io.aisix.kernel.config.ConfigException} naming the exact key, before any
 * connection. Keys may be PKCS#8, PKCS#1 (RSA) or SEC1 (EC) PEM. {@code user} needs
 * {@code password_env}, the name of the environment variable holding the password (unset:
 * ConfigException on {@code etcd.password_env}); the password is never logged or printed.
 */
package io.aisix.kernel.store.etcd;
