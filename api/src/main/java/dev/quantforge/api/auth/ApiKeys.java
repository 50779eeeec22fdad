package dev.quantforge.api.auth;

import dev.quantforge.api.problems.FieldError;
import dev.quantforge.api.problems.ProblemException;
import dev.quantforge.api.problems.ProblemType;
import dev.quantforge.api.tenants.Tenants;
import dev.quantforge.api.transactions.AfterCommit;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.TransactionSynchronizationRegistry;
import jakarta.transaction.Transactional;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/** Creates, lists, revokes and checks API keys. */
@ApplicationScoped
public class ApiKeys {

    /** A key just created: the only time the key itself is known. */
    public record Created(ApiKeyView key, String secret) {
    }

    /** Who a valid key is. */
    public record Holder(UUID keyId, String name, String tenant, List<String> scopes) {
    }

    private static final Logger LOG = Logger.getLogger(ApiKeys.class);
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._ -]{0,99}");

    private static final String CACHE_INVALIDATED = ApiKeys.class.getName() + ".cacheInvalidated.";

    private final Tenants tenants;
    private final ApiKeyCache cache;
    private final TransactionSynchronizationRegistry transactions;

    public ApiKeys(Tenants tenants, ApiKeyCache cache, TransactionSynchronizationRegistry transactions) {
        this.tenants = tenants;
        this.cache = cache;
        this.transactions = transactions;
    }

    @Transactional
    public Created create(String name, String tenant, List<String> scopes) {
        List<FieldError> errors = new ArrayList<>();
        if (name == null || !NAME.matcher(name).matches()) {
            errors.add(new FieldError("name", "must be 1 to 100 letters, digits, '.', '_', '-' or spaces"));
        }
        if (tenant == null || !tenants.exists(tenant)) {
            errors.add(new FieldError("tenant", "must be one of the configured tenants " + tenants.names()));
        }
        if (scopes == null || scopes.isEmpty()) {
            errors.add(new FieldError("scopes", "must name at least one of jobs:submit, jobs:read, admin"));
        } else {
            for (int i = 0; i < scopes.size(); i++) {
                if (Scope.parse(scopes.get(i)).isEmpty()) {
                    errors.add(new FieldError("scopes[" + i + "]", "must be jobs:submit, jobs:read or admin"));
                }
            }
        }
        if (!errors.isEmpty()) {
            throw ProblemException.invalid(errors);
        }
        String secret = KeySecrets.newKey();
        ApiKey key = new ApiKey();
        key.id = UUID.randomUUID();
        key.name = name;
        key.tenant = tenant;
        key.scopes = scopes.stream().distinct().toList();
        key.keyHash = KeySecrets.hash(secret);
        key.keyPrefix = KeySecrets.shown(secret);
        key.createdAt = Instant.now().truncatedTo(ChronoUnit.MICROS);
        key.persist();
        LOG.infof("created API key %s (%s) for tenant %s with scopes %s", key.keyPrefix, name, tenant, key.scopes);
        return new Created(ApiKeyView.of(key), secret);
    }

    /** Every key, or a tenant's. */
    @Transactional
    public List<ApiKeyView> list(Optional<String> tenant) {
        List<ApiKey> found = tenant.isPresent() ? ApiKey.list("tenant = ?1 order by createdAt", tenant.get())
                : ApiKey.list("order by createdAt");
        return found.stream().map(ApiKeyView::of).toList();
    }

    /**
     * Revokes the key (of {@code tenant}, when given: another tenant's is not found); revoking a revoked key again
     * changes nothing.
     */
    @Transactional
    public ApiKeyView revoke(UUID id, Optional<String> tenant) {
        ApiKey key = ApiKey.findById(id);
        if (key == null || tenant.isPresent() && !tenant.get().equals(key.tenant)) {
            throw new ProblemException(ProblemType.NOT_FOUND, "no API key " + id);
        }
        if (key.revokedAt == null) {
            key.revokedAt = Instant.now().truncatedTo(ChronoUnit.MICROS);
            LOG.infof("revoked API key %s (%s) of tenant %s", key.keyPrefix, key.name, key.tenant);
            // after the commit: a lookup in between would read the key unrevoked and remember it again
            String hash = key.keyHash;
            AfterCommit.once(transactions, CACHE_INVALIDATED + hash, () -> cache.invalidate(hash));
        }
        return ApiKeyView.of(key);
    }

    /** The holder of the key with this hash ({@link KeySecrets#hash}), if it exists and is not revoked. */
    @Transactional
    public Optional<Holder> verify(String keyHash) {
        Optional<ApiKey> key = ApiKey.<ApiKey>find("keyHash", keyHash).firstResultOptional();
        return key.filter(k -> k.revokedAt == null).map(k -> new Holder(k.id, k.name, k.tenant, k.scopes));
    }
}
