package dev.quantforge.api.webhooks;

import dev.quantforge.api.transactions.AfterCommit;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import jakarta.transaction.TransactionSynchronizationRegistry;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Sends due webhook deliveries and records each attempt, at least once: a delivery is claimed (its next attempt
 * pushed past the send's timeout, so another instance leaves it alone), sent, then recorded; a crash in between
 * sends it again when the claim runs out. Every attempt carries the same {@code webhook-id} (the event's id), a
 * fresh {@code webhook-timestamp} and the Standard Webhooks signature over both and the body.
 */
@ApplicationScoped
public class WebhookDispatcher {

    private static final Logger LOG = Logger.getLogger(WebhookDispatcher.class);
    private static final String WOKEN = WebhookDispatcher.class.getName() + ".woken";
    private static final String CONTENT_TYPE = "application/cloudevents+json";
    private static final int ERROR_BODY_CHARS = 200;

    private final WebhooksConfig config;
    private final EntityManager em;
    private final TransactionSynchronizationRegistry transactions;
    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> new Thread(r, "webhook-dispatcher"));
    private final AtomicBoolean pending = new AtomicBoolean();
    private final HttpClient http;

    public WebhookDispatcher(WebhooksConfig config, EntityManager em, TransactionSynchronizationRegistry transactions) {
        this.config = config;
        this.em = em;
        this.transactions = transactions;
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(config.timeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    /** A delivery claimed for one attempt, with what sending it needs. */
    record Claim(long deliveryId, UUID webhookId, String url, String secret, String eventId, String payload) {
    }

    /** The outcome of one attempt: a status when the receiver answered, an error unless it answered 2xx. */
    record Outcome(Integer status, String error) {
        boolean delivered() {
            return error == null;
        }
    }

    @Scheduled(every = "${qf.webhooks.poll-interval:1s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void poll() {
        wake();
    }

    /** Sends soon, unless a round is already waiting to start. */
    public void wake() {
        if (config.dispatch() && pending.compareAndSet(false, true)) {
            thread.execute(this::drain);
        }
    }

    /** In a transaction: wakes the dispatcher once it commits, so a new delivery goes out at once. */
    void wakeAfterCommit() {
        AfterCommit.once(transactions, WOKEN, this::wake);
    }

    private void drain() {
        pending.set(false);
        try {
            while (round() == config.batchSize()) {
                // a full batch: more may be due
            }
        } catch (RuntimeException e) {
            // claimed deliveries are sent again once their claim runs out
            LOG.warnf(e, "webhook dispatcher failed");
        }
    }

    private int round() {
        List<Claim> claims = claim();
        List<CompletableFuture<Outcome>> outcomes = new ArrayList<>(claims.size());
        for (Claim claim : claims) {
            outcomes.add(send(claim));
        }
        for (int i = 0; i < claims.size(); i++) {
            Claim claim = claims.get(i);
            Outcome outcome = outcomes.get(i).join();
            QuarkusTransaction.requiringNew().run(() -> record(claim, outcome));
        }
        return claims.size();
    }

    private List<Claim> claim() {
        return QuarkusTransaction.requiringNew().call(() -> {
            Instant now = Instant.now();
            @SuppressWarnings("unchecked")
            List<Object[]> rows = em.createNativeQuery("select d.id, w.id as webhook_id, w.url, w.secret, d.event_id,"
                            + " d.payload from webhook_deliveries d join webhooks w on w.id = d.webhook_id"
                            + " where d.state = 'PENDING' and w.enabled and d.next_attempt_at <= :now"
                            + " order by d.next_attempt_at, d.id limit :limit for update of d skip locked")
                    .setParameter("now", now)
                    .setParameter("limit", config.batchSize())
                    .getResultList();
            List<Claim> claims = new ArrayList<>(rows.size());
            for (Object[] row : rows) {
                claims.add(new Claim(((Number) row[0]).longValue(), (UUID) row[1], (String) row[2], (String) row[3],
                        (String) row[4], (String) row[5]));
            }
            if (!claims.isEmpty()) {
                em.createNativeQuery("update webhook_deliveries set next_attempt_at = :until where id in (:ids)")
                        .setParameter("until", now.plus(config.timeout().multipliedBy(2)).plusSeconds(30))
                        .setParameter("ids", claims.stream().map(Claim::deliveryId).toList())
                        .executeUpdate();
            }
            return claims;
        });
    }

    private CompletableFuture<Outcome> send(Claim claim) {
        long timestamp = Instant.now().getEpochSecond();
        HttpRequest request;
        try {
            request = HttpRequest.newBuilder(URI.create(claim.url()))
                    .timeout(config.timeout())
                    .header("content-type", CONTENT_TYPE)
                    .header("user-agent", "quantforge-webhooks")
                    .header("webhook-id", claim.eventId())
                    .header("webhook-timestamp", Long.toString(timestamp))
                    .header("webhook-signature",
                            WebhookSignatures.sign(claim.secret(), claim.eventId(), timestamp, claim.payload()))
                    .POST(HttpRequest.BodyPublishers.ofString(claim.payload(), StandardCharsets.UTF_8))
                    .build();
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(new Outcome(null, describe(e)));
        }
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofInputStream())
                .thenApply(WebhookDispatcher::outcome)
                .exceptionally(e -> new Outcome(null, describe(e)));
    }

    private static Outcome outcome(HttpResponse<InputStream> response) {
        int status = response.statusCode();
        String start = "";
        try (InputStream body = response.body()) {
            if (status / 100 != 2) {
                start = new String(body.readNBytes(ERROR_BODY_CHARS), StandardCharsets.UTF_8).strip();
            }
        } catch (IOException e) {
            // the status decides; the body was for the error message only
        }
        if (status / 100 == 2) {
            return new Outcome(status, null);
        }
        return new Outcome(status, "HTTP " + status + (start.isEmpty() ? "" : ": " + start));
    }

    private static String describe(Throwable e) {
        Throwable cause = e;
        while (cause instanceof CompletionException && cause.getCause() != null) {
            cause = cause.getCause();
        }
        String message = cause.getMessage();
        return cause.getClass().getSimpleName() + (message == null || message.isBlank() ? "" : ": " + message);
    }

    /** Records one attempt; gives up on the delivery after the last retry, and disables a webhook that keeps failing. */
    void record(Claim claim, Outcome outcome) {
        Webhook webhook = em.find(Webhook.class, claim.webhookId(), LockModeType.PESSIMISTIC_WRITE);
        WebhookDelivery delivery = webhook == null ? null : WebhookDelivery.findById(claim.deliveryId());
        if (delivery == null || delivery.state != WebhookDelivery.State.PENDING) {
            return; // the webhook was deleted meanwhile
        }
        Instant now = Instant.now();
        delivery.attempts++;
        delivery.lastAttemptAt = now;
        delivery.lastStatus = outcome.status();
        delivery.lastError = outcome.error();
        List<WebhookDelivery.Attempt> log = new ArrayList<>(delivery.attemptLog);
        log.add(new WebhookDelivery.Attempt(now.toString(), outcome.status(), outcome.error()));
        delivery.attemptLog = log;
        if (outcome.delivered()) {
            delivery.state = WebhookDelivery.State.DELIVERED;
            delivery.deliveredAt = now;
            delivery.nextAttemptAt = null;
            webhook.consecutiveFailures = 0;
            return;
        }
        List<Duration> delays = config.retryDelays();
        if (delivery.attempts <= delays.size()) {
            delivery.nextAttemptAt = now.plus(delays.get(delivery.attempts - 1));
            return;
        }
        delivery.state = WebhookDelivery.State.FAILED;
        delivery.nextAttemptAt = null;
        webhook.consecutiveFailures++;
        LOG.infof("webhook %s: delivery of event %s failed all %d attempts, last: %s", webhook.id, delivery.eventId,
                delivery.attempts, outcome.error());
        if (webhook.enabled && webhook.consecutiveFailures >= config.disableAfter()) {
            disable(webhook, delivery, now);
        }
    }

    private void disable(Webhook webhook, WebhookDelivery last, Instant now) {
        Duration span = config.retryDelays().stream().reduce(Duration.ZERO, Duration::plus);
        webhook.enabled = false;
        webhook.disabledAt = now;
        webhook.disabledReason = webhook.consecutiveFailures + " deliveries in a row failed every attempt ("
                + last.attempts + " attempts over " + span.toString().substring(2).toLowerCase() + " each); last error: "
                + last.lastError;
        int dropped = em.createNativeQuery("update webhook_deliveries set state = 'FAILED', next_attempt_at = null,"
                        + " last_error = 'not sent: the webhook was disabled' where webhook_id = :id and state = 'PENDING'")
                .setParameter("id", webhook.id)
                .executeUpdate();
        LOG.warnf("webhook %s (%s) disabled: %s; %d pending deliveries dropped", webhook.id, webhook.url,
                webhook.disabledReason, dropped);
    }

    @PreDestroy
    void stop() throws InterruptedException {
        thread.shutdown();
        if (!thread.awaitTermination(30, TimeUnit.SECONDS)) {
            thread.shutdownNow();
        }
    }
}
