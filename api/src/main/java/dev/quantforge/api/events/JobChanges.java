package dev.quantforge.api.events;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.io.UncheckedIOException;

/**
 * Announces job changes to every API instance through PostgreSQL's NOTIFY: the notice is sent when
 * (and only if) the transaction that made the change commits, so listeners never see a change that
 * was rolled back, and it reaches the instance holding a client's event stream whichever instance
 * consumed the event.
 */
@ApplicationScoped
public class JobChanges {

    static final String CHANNEL = "quantforge_job_changes";

    private final EntityManager em;
    private final ObjectMapper json;

    public JobChanges(EntityManager em, ObjectMapper json) {
        this.em = em;
        this.json = json;
    }

    @Transactional(Transactional.TxType.MANDATORY)
    public void announce(JobChange change) {
        try {
            em.createNativeQuery("select pg_notify(:channel, :payload)")
                    .setParameter("channel", CHANNEL)
                    .setParameter("payload", json.writeValueAsString(change))
                    .getSingleResult();
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
