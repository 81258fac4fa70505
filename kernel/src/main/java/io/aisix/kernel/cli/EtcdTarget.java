package io.aisix.kernel.cli;

import io.aisix.kernel.config.GatewayConfig;
import io.aisix.kernel.resources.ResourcesPlan;
import io.aisix.kernel.store.ConfigStore;
import io.aisix.kernel.store.RevisionConflictException;
import io.aisix.kernel.store.StoreRow;
import io.aisix.kernel.store.StoreUnavailableException;
import io.aisix.kernel.store.StoreWrite;
import io.aisix.kernel.store.etcd.EtcdStore;
import io.aisix.spi.resource.ResourceKind;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * etcd read and written directly (the {@code etcd.*} settings of the startup config: endpoints,
 * prefix, TLS, user). Reads take the whole prefix at one revision; an import is one etcd
 * transaction (one store revision, which gateways apply as one snapshot) up to
 * {@link #MAX_TXN_OPS} changed rows, several above that.
 */
final class EtcdTarget implements ResourceTarget {
    /** etcd's default {@code --max-txn-ops}. */
    static final int MAX_TXN_OPS = 128;

    private final EtcdStore store;
    private final String description;
    private long readRevision;

    EtcdTarget(GatewayConfig.Etcd config) {
        this.store = EtcdStore.create(config);
        this.description = "etcd " + String.join(",", config.effectiveEndpoints()) + " prefix " + config.prefix();
    }

    @Override
    public String describe() {
        return description;
    }

    @Override
    public boolean masked() {
        return false;
    }

    @Override
    public Contents read(List<ResourceKind<?>> kinds) {
        EtcdStore.Contents all;
        try {
            all = store.readAll();
        } catch (StoreUnavailableException e) {
            throw new TargetException(description + ": " + e.getMessage());
        }
        readRevision = all.revision();
        Map<String, List<StoreRow>> rows = new LinkedHashMap<>();
        kinds.forEach(k -> rows.put(k.name(), new ArrayList<>()));
        Map<String, Integer> other = new TreeMap<>();
        for (StoreRow r : all.rows()) {
            List<StoreRow> list = rows.get(r.kind());
            if (list == null) {
                other.merge(r.kind(), 1, Integer::sum);
            } else {
                list.add(r);
            }
        }
        List<String> notices = new ArrayList<>();
        notices.add("read " + description + " at revision " + all.revision());
        if (!other.isEmpty()) {
            notices.add("left alone, kinds this installation does not serve: " + other.entrySet().stream()
                    .map(e -> e.getKey() + " (" + e.getValue() + ")").collect(Collectors.joining(", ")));
        }
        return new Contents(rows, List.copyOf(notices));
    }

    @Override
    public String apply(List<ResourceKind<?>> kinds, List<ResourcesPlan.Step> steps) {
        List<StoreWrite> writes = new ArrayList<>();
        for (ResourcesPlan.Step s : steps) {
            switch (s.action()) {
                case CREATE -> writes.add(new StoreWrite(s.kind(), s.id(), s.value(), ConfigStore.ABSENT));
                case UPDATE -> writes.add(new StoreWrite(s.kind(), s.id(), s.value(), s.revision()));
                case DELETE -> writes.add(new StoreWrite(s.kind(), s.id(), null, s.revision()));
                default -> {
                }
            }
        }
        try {
            long revision = store.commit(writes, MAX_TXN_OPS);
            int txns = (writes.size() + MAX_TXN_OPS - 1) / MAX_TXN_OPS;
            return "etcd revision " + revision + (txns > 1 ? ", in " + txns + " transactions of at most " + MAX_TXN_OPS
                    + " rows" : ", one transaction");
        } catch (RevisionConflictException e) {
            throw new TargetException(e.getMessage() + ": it changed since it was read at revision " + readRevision
                    + "; nothing of the transaction holding it was written (earlier ones of this import, when it "
                    + "takes several, were); run the import again");
        } catch (StoreUnavailableException e) {
            throw new TargetException(description + ": " + e.getMessage());
        }
    }

    @Override
    public void close() {
        store.close();
    }
}
