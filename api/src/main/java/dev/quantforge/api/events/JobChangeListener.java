package dev.quantforge.api.events;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.agroal.api.AgroalDataSource;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.jboss.logging.Logger;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * Listens on one database connection for the job changes that {@link JobChanges} announces, and
 * hands each to whoever follows that job here (the event streams of this instance's clients).
 */
@ApplicationScoped
public class JobChangeListener {

    private static final Logger LOG = Logger.getLogger(JobChangeListener.class);
    private static final int WAIT_MILLIS = 500;
    private static final Duration RECONNECT_DELAY = Duration.ofSeconds(2);
    /** Sent to every follower after the listening connection was lost, since changes may have been missed. */
    static final String RESYNC = "RESYNC";

    private final AgroalDataSource database;
    private final ObjectMapper json;
    private final Map<UUID, Set<Consumer<JobChange>>> followers = new ConcurrentHashMap<>();
    private final Set<EveryJob> everyJob = ConcurrentHashMap.newKeySet();
    private volatile boolean running;
    private Thread thread;

    public JobChangeListener(AgroalDataSource database, ObjectMapper json) {
        this.database = database;
        this.json = json;
    }

    /**
     * Follows every job: {@code follower} hears each change of any job, {@code resync} that changes may have been
     * missed (the listening connection was lost); both on the listener's thread. Returns how to stop.
     */
    public Runnable followAll(Consumer<JobChange> follower, Runnable resync) {
        EveryJob every = new EveryJob(follower, resync);
        everyJob.add(every);
        return () -> everyJob.remove(every);
    }

    private record EveryJob(Consumer<JobChange> follower, Runnable resync) {
    }

    /** Calls {@code follower} on the listener's thread for each change of the job; returns how to stop. */
    public Runnable follow(UUID jobId, Consumer<JobChange> follower) {
        followers.computeIfAbsent(jobId, id -> ConcurrentHashMap.newKeySet()).add(follower);
        return () -> followers.computeIfPresent(jobId, (id, set) -> {
            set.remove(follower);
            return set.isEmpty() ? null : set;
        });
    }

    void onStart(@Observes StartupEvent start) {
        running = true;
        thread = new Thread(this::run, "job-change-listener");
        thread.setDaemon(true);
        thread.start();
    }

    void onStop(@Observes ShutdownEvent stop) throws InterruptedException {
        running = false;
        if (thread != null) {
            thread.join(Duration.ofSeconds(5).toMillis());
        }
    }

    private void run() {
        boolean reconnecting = false;
        while (running) {
            try (Connection connection = database.getConnection(); Statement statement = connection.createStatement()) {
                connection.setAutoCommit(true);
                statement.execute("LISTEN " + JobChanges.CHANNEL);
                if (reconnecting) {
                    followers.keySet().forEach(job -> dispatch(new JobChange(job, null, RESYNC)));
                    everyJob.forEach(every -> safely(every.resync(), "a follower of every job"));
                }
                PGConnection notices = connection.unwrap(PGConnection.class);
                while (running) {
                    PGNotification[] received = notices.getNotifications(WAIT_MILLIS);
                    for (PGNotification notice : received == null ? new PGNotification[0] : received) {
                        parse(notice.getParameter()).ifPresent(this::dispatch);
                    }
                }
            } catch (SQLException | RuntimeException e) {
                if (running) {
                    LOG.warnf("lost the job change listener's connection, reconnecting: %s", e.getMessage());
                    reconnecting = true;
                    sleep();
                }
            }
        }
    }

    private Optional<JobChange> parse(String payload) {
        try {
            return Optional.of(json.readValue(payload, JobChange.class));
        } catch (JsonProcessingException e) {
            LOG.errorf("ignoring a malformed job change notice: %s", payload);
            return Optional.empty();
        }
    }

    private void dispatch(JobChange change) {
        for (Consumer<JobChange> follower : followers.getOrDefault(change.jobId(), Set.of())) {
            safely(() -> follower.accept(change), "a follower of job " + change.jobId());
        }
        if (!RESYNC.equals(change.what())) {
            everyJob.forEach(every -> safely(() -> every.follower().accept(change), "a follower of every job"));
        }
    }

    private static void safely(Runnable call, String who) {
        try {
            call.run();
        } catch (RuntimeException e) {
            LOG.warnf("%s failed: %s", who, e.getMessage());
        }
    }

    private void sleep() {
        try {
            Thread.sleep(RECONNECT_DELAY.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }
}
