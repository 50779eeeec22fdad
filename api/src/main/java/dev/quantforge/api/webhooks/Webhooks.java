package dev.quantforge.api.webhooks;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quantforge.api.catalog.CatalogEvents;
import dev.quantforge.api.problems.FieldError;
import dev.quantforge.api.problems.ProblemException;
import dev.quantforge.api.problems.ProblemType;
import dev.quantforge.api.registries.CatalogAnnouncement;
import dev.quantforge.api.registries.RegistryAdapter;
import dev.quantforge.api.transactions.DatabaseWriteException;
import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.net.URI;
import java.net.URISyntaxException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;

/**
 * Webhooks: their registration, and the deliveries the catalog's events make for them (a built-in
 * {@link RegistryAdapter}).
 */
@ApplicationScoped
public class Webhooks implements RegistryAdapter {

    public static final List<String> EVENT_TYPES = List.of(CatalogEvents.JOB_SUBMITTED, CatalogEvents.JOB_COMPLETED,
            CatalogEvents.VARIANT_PUBLISHED, CatalogEvents.VARIANT_REJECTED);
    private static final Set<String> FIELDS = Set.of("url", "eventTypes", "secret", "description");
    private static final int MAX_URL = 2000;
    private static final int MAX_DESCRIPTION = 500;

    private final EntityManager em;
    private final WebhookDispatcher dispatcher;
    private final AgroalDataSource database;

    public Webhooks(EntityManager em, WebhookDispatcher dispatcher, AgroalDataSource database) {
        this.em = em;
        this.dispatcher = dispatcher;
        this.database = database;
    }

    /** Validates a request body; every invalid field is named in one 400. */
    public static WebhookViews.WebhookRequest parse(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw ProblemException.invalid("body", "must be a JSON object");
        }
        List<FieldError> errors = new ArrayList<>();
        for (Iterator<String> names = body.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!FIELDS.contains(name)) {
                errors.add(new FieldError(name, "is not a field of a webhook (url, eventTypes, secret, description)"));
            }
        }
        String url = url(body.get("url"), errors);
        List<String> types = eventTypes(body.get("eventTypes"), errors);
        String secret = null;
        JsonNode secretNode = body.get("secret");
        if (secretNode != null && !secretNode.isNull()) {
            if (!secretNode.isTextual() || WebhookSignatures.key(secretNode.asText()).isEmpty()) {
                errors.add(new FieldError("secret", "must be whsec_ followed by the base64 of "
                        + WebhookSignatures.MIN_KEY_BYTES + " to " + WebhookSignatures.MAX_KEY_BYTES
                        + " bytes; leave it out to have one generated"));
            } else {
                secret = secretNode.asText();
            }
        }
        String description = null;
        JsonNode descriptionNode = body.get("description");
        if (descriptionNode != null && !descriptionNode.isNull()) {
            if (!descriptionNode.isTextual() || descriptionNode.asText().length() > MAX_DESCRIPTION) {
                errors.add(new FieldError("description", "must be a string of at most " + MAX_DESCRIPTION
                        + " characters"));
            } else {
                description = descriptionNode.asText();
            }
        }
        if (!errors.isEmpty()) {
            throw ProblemException.invalid(errors);
        }
        return new WebhookViews.WebhookRequest(url, types, secret, description);
    }

    private static String url(JsonNode node, List<FieldError> errors) {
        if (node == null || node.isNull()) {
            errors.add(new FieldError("url", "is required"));
            return null;
        }
        if (!node.isTextual() || node.asText().isBlank()) {
            errors.add(new FieldError("url", "must be an absolute http or https URL"));
            return null;
        }
        String text = node.asText().strip();
        if (text.length() > MAX_URL) {
            errors.add(new FieldError("url", "is longer than " + MAX_URL + " characters"));
            return null;
        }
        try {
            URI uri = new URI(text);
            String scheme = uri.getScheme() == null ? null : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!"http".equals(scheme) && !"https".equals(scheme)) {
                errors.add(new FieldError("url", "must be an http or https URL, not "
                        + (scheme == null ? "a relative one" : scheme)));
                return null;
            }
            if (uri.getHost() == null || uri.getHost().isEmpty()) {
                errors.add(new FieldError("url", "has no host"));
                return null;
            }
            if (uri.getUserInfo() != null) {
                errors.add(new FieldError("url", "must not carry credentials; the signature authenticates deliveries"));
                return null;
            }
            if (uri.getFragment() != null) {
                errors.add(new FieldError("url", "must not have a fragment"));
                return null;
            }
            return uri.toString();
        } catch (URISyntaxException e) {
            errors.add(new FieldError("url", "is not a URL: " + e.getReason()));
            return null;
        }
    }

    private static List<String> eventTypes(JsonNode node, List<FieldError> errors) {
        if (node == null || node.isNull()) {
            errors.add(new FieldError("eventTypes", "is required: one or more of " + String.join(", ", EVENT_TYPES)));
            return null;
        }
        if (!node.isArray() || node.isEmpty()) {
            errors.add(new FieldError("eventTypes", "must be a non-empty array of " + String.join(", ", EVENT_TYPES)));
            return null;
        }
        Set<String> types = new LinkedHashSet<>();
        for (int i = 0; i < node.size(); i++) {
            JsonNode type = node.get(i);
            if (!type.isTextual() || !EVENT_TYPES.contains(type.asText())) {
                errors.add(new FieldError("eventTypes[" + i + "]", "must be one of " + String.join(", ", EVENT_TYPES)
                        + (type.isTextual() ? ", not " + type.asText() : "")));
            } else {
                types.add(type.asText());
            }
        }
        return List.copyOf(types);
    }

    @Transactional
    public Webhook create(String tenant, WebhookViews.WebhookRequest request) {
        Webhook webhook = new Webhook();
        webhook.id = UUID.randomUUID();
        webhook.tenant = tenant;
        webhook.url = request.url();
        webhook.eventTypes = request.eventTypes();
        webhook.secret = request.secret() == null ? WebhookSignatures.newSecret() : request.secret();
        webhook.description = request.description();
        webhook.createdAt = Instant.now();
        webhook.persist();
        return webhook;
    }

    @Transactional
    public List<Webhook> list(String tenant) {
        return Webhook.list("tenant = ?1 order by createdAt, id", tenant);
    }

    @Transactional
    public Webhook find(String tenant, UUID id) {
        Webhook webhook = Webhook.findById(id);
        if (webhook == null || !webhook.tenant.equals(tenant)) {
            throw new ProblemException(ProblemType.NOT_FOUND, "no webhook " + id);
        }
        return webhook;
    }

    /** Deletes the webhook and its delivery log; pending deliveries are not sent. */
    @Transactional
    public void delete(String tenant, UUID id) {
        if (Webhook.deleteById(find(tenant, id).id)) {
            em.flush();
        }
    }

    /**
     * Enables a webhook again, its reason and failure count cleared. Deliveries dropped when it was disabled stay
     * FAILED (replay them one by one); events from now on are delivered.
     */
    @Transactional
    public Webhook enable(String tenant, UUID id) {
        Webhook webhook = find(tenant, id);
        webhook.enabled = true;
        webhook.disabledReason = null;
        webhook.disabledAt = null;
        webhook.consecutiveFailures = 0;
        return webhook;
    }

    /**
     * Gives a webhook a new signing secret. Every attempt from now on is signed with it, pending retries included,
     * since the dispatcher reads the secret when it sends.
     */
    @Transactional
    public Webhook rotateSecret(String tenant, UUID id) {
        Webhook webhook = find(tenant, id);
        webhook.secret = WebhookSignatures.newSecret();
        return webhook;
    }

    /**
     * Sends a delivery again, due now, with the same webhook-id (it is the same event) and a fresh retry schedule;
     * its attempt log keeps the earlier attempts.
     */
    @Transactional
    public WebhookDelivery replay(String tenant, UUID id, long deliveryId) {
        Webhook webhook = find(tenant, id);
        WebhookDelivery delivery = WebhookDelivery.find("id = ?1 and webhookId = ?2", deliveryId, id).firstResult();
        if (delivery == null) {
            throw new ProblemException(ProblemType.NOT_FOUND, "webhook " + id + " has no delivery " + deliveryId);
        }
        if (!webhook.enabled) {
            throw new ProblemException(ProblemType.WEBHOOK_DISABLED, "webhook " + id
                    + " is disabled; enable it (POST /api/v1/webhooks/" + id + "/enable) before replaying deliveries");
        }
        delivery.state = WebhookDelivery.State.PENDING;
        delivery.attempts = 0;
        delivery.nextAttemptAt = Instant.now();
        delivery.deliveredAt = null;
        dispatcher.wakeAfterCommit();
        return delivery;
    }

    @Transactional
    public List<WebhookDelivery> deliveries(String tenant, UUID id, int limit) {
        find(tenant, id);
        return WebhookDelivery.find("webhookId = ?1 order by id desc", id).page(0, limit).list();
    }

    @Override
    public void announce(CatalogAnnouncement announcement) {
        announceAll(List.of(announcement));
    }

    /**
     * In the caller's transaction (the one that writes the events to the outbox): one PENDING delivery, due now, for
     * every enabled webhook of each event's tenant subscribed to the event's type; one statement for all, the events
     * travelling as arrays.
     */
    @Override
    public void announceAll(List<CatalogAnnouncement> announcements) {
        if (announcements.isEmpty()) {
            return;
        }
        int count = announcements.size();
        String[] tenants = new String[count];
        String[] eventIds = new String[count];
        String[] eventTypes = new String[count];
        String[] payloads = new String[count];
        for (int i = 0; i < count; i++) {
            CatalogAnnouncement a = announcements.get(i);
            tenants[i] = a.tenant();
            eventIds[i] = a.eventId();
            eventTypes[i] = a.type();
            payloads[i] = a.cloudEvent();
        }
        int rows;
        try (Connection connection = database.getConnection();
             PreparedStatement insert = connection.prepareStatement("insert into webhook_deliveries"
                     + " (webhook_id, event_id, event_type, payload, state, attempts, next_attempt_at, created_at)"
                     + " select w.id, e.event_id, e.event_type, e.payload, 'PENDING', 0, ?, ?"
                     + " from unnest(?::text[], ?::text[], ?::text[], ?::text[])"
                     + " as e(tenant, event_id, event_type, payload)"
                     + " join webhooks w on w.enabled and w.tenant = e.tenant"
                     + " and w.event_types @> jsonb_build_array(e.event_type)"
                     + " on conflict (webhook_id, event_id) do nothing")) {
            OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
            insert.setObject(1, now);
            insert.setObject(2, now);
            insert.setArray(3, connection.createArrayOf("text", tenants));
            insert.setArray(4, connection.createArrayOf("text", eventIds));
            insert.setArray(5, connection.createArrayOf("text", eventTypes));
            insert.setArray(6, connection.createArrayOf("text", payloads));
            rows = insert.executeUpdate();
        } catch (SQLException e) {
            throw new DatabaseWriteException("queue webhook deliveries", e);
        }
        if (rows > 0) {
            dispatcher.wakeAfterCommit();
        }
    }
}
