package dev.quantforge.api.jobs;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Idempotency-Key header values and the job each created. A key is claimed in the transaction that
 * creates the job ({@link JobRows#claim}), so of two concurrent requests with one key exactly one creates a job.
 */
@ApplicationScoped
public class IdempotencyKeys {

    /** The job a key created, and the fingerprint of the request that created it. */
    public record Claim(UUID jobId, String fingerprint) {
    }

    private final EntityManager em;

    public IdempotencyKeys(EntityManager em) {
        this.em = em;
    }

    @Transactional
    public Optional<Claim> find(String tenant, String key) {
        @SuppressWarnings("unchecked")
        List<Object[]> rows = em.createNativeQuery(
                        "select job_id, request_fingerprint from idempotency_keys where tenant = :tenant and key = :key")
                .setParameter("tenant", tenant)
                .setParameter("key", key)
                .getResultList();
        return rows.stream().findFirst().map(r -> new Claim((UUID) r[0], (String) r[1]));
    }
}
