package dev.quantforge.api.events;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quantforge.api.transactions.DatabaseWriteException;
import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;

/**
 * Announces job changes to every API instance through PostgreSQL's NOTIFY: the notice is sent when
 * (and only if) the transaction that made the change commits, so listeners never see a change that
 * was rolled back, and it reaches the instance holding a client's event stream whichever instance
 * consumed the event.
 */
@ApplicationScoped
public class JobChanges {

    static final String CHANNEL = "quantforge_job_changes";

    private final ObjectMapper json;
    private final AgroalDataSource database;

    public JobChanges(ObjectMapper json, AgroalDataSource database) {
        this.json = json;
        this.database = database;
    }

    /** Several changes of one transaction with one statement (a batch of submits), each its own notice. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void announceAll(List<JobChange> changes) {
        if (changes.isEmpty()) {
            return;
        }
        String[] payloads = new String[changes.size()];
        for (int i = 0; i < payloads.length; i++) {
            payloads[i] = toJson(changes.get(i));
        }
        try (Connection connection = database.getConnection();
             PreparedStatement notify = connection.prepareStatement(
                     "select pg_notify(?, payload) from unnest(?::text[]) as payload")) {
            notify.setString(1, CHANNEL);
            notify.setArray(2, connection.createArrayOf("text", payloads));
            notify.execute();
        } catch (SQLException e) {
            throw new DatabaseWriteException("announce job changes", e);
        }
    }

    private String toJson(JobChange change) {
        try {
            return json.writeValueAsString(change);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Transactional(Transactional.TxType.MANDATORY)
    public void announce(JobChange change) {
        announceAll(List.of(change));
    }
}
