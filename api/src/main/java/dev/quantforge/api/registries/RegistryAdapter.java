package dev.quantforge.api.registries;

import java.util.List;

/**
 * Tells a system outside quantforge about the catalog's changes: a job submitted or completed, a variant published
 * or rejected. Every CDI bean implementing it hears every {@link CatalogAnnouncement}; the built-in ones are the
 * catalog topic on Kafka ({@code dev.quantforge.api.catalog.CatalogTopic}) and the webhooks
 * ({@code dev.quantforge.api.webhooks.Webhooks}). An adapter for an external model registry (MLflow, a vendor's
 * catalog) is one more bean that picks the types it cares about, usually the variant ones.
 *
 * <p>{@link #announce} runs inside the transaction that made the change, so an announcement exists if and only if
 * the change committed. It must therefore only record what to send (an outbox row, a delivery row) and never call
 * the remote system itself: that belongs to a sender that runs after commit and retries, as the outbox relay and
 * the webhook dispatcher do.
 */
public interface RegistryAdapter {

    /** Records, in the caller's transaction, what this adapter will send about {@code announcement}. */
    void announce(CatalogAnnouncement announcement);

    /**
     * Records several announcements of one transaction (a batch of submits committed together). One by one unless
     * the adapter can record them at once, as the built-in ones do with one statement.
     */
    default void announceAll(List<CatalogAnnouncement> announcements) {
        announcements.forEach(this::announce);
    }
}
