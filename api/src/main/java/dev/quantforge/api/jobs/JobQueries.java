package dev.quantforge.api.jobs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.persistence.Query;
import jakarta.transaction.Transactional;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Collectors;

/** Reads jobs with their tasks, one job or a filtered page of them. */
@ApplicationScoped
public class JobQueries {

    private final EntityManager em;
    private final ObjectMapper json;

    public JobQueries(EntityManager em, ObjectMapper json) {
        this.em = em;
        this.json = json;
    }

    @Transactional
    public Optional<JobView> find(UUID id) {
        Job job = Job.findById(id);
        return job == null ? Optional.empty() : Optional.of(JobView.of(job, Task.ofJob(id), Instant.now()));
    }

    /** The job if it is the tenant's: another tenant's job is as absent as one that never existed. */
    @Transactional
    public Optional<JobView> find(UUID id, String tenant) {
        Job job = Job.findById(id);
        return job == null || !job.tenant.equals(tenant) ? Optional.empty()
                : Optional.of(JobView.of(job, Task.ofJob(id), Instant.now()));
    }

    @Transactional
    public JobPage list(JobFilter filter, String tenant) {
        StringBuilder sql = new StringBuilder("select * from jobs where tenant = :tenant");
        filter.state().ifPresent(s -> sql.append(" and state = :state"));
        if (!filter.labels().isEmpty()) {
            // jsonb containment, served by the GIN index on labels
            sql.append(" and labels @> cast(:labels as jsonb)");
        }
        filter.after().ifPresent(c -> sql.append(" and (created_at, id) < (:afterCreatedAt, :afterId)"));
        sql.append(" order by created_at desc, id desc limit :limit");
        Query query = em.createNativeQuery(sql.toString(), Job.class);
        query.setParameter("tenant", tenant);
        filter.state().ifPresent(s -> query.setParameter("state", s.name()));
        if (!filter.labels().isEmpty()) {
            query.setParameter("labels", toJson(filter.labels()));
        }
        filter.after().ifPresent(c -> {
            query.setParameter("afterCreatedAt", c.createdAt());
            query.setParameter("afterId", c.id());
        });
        // one more than asked tells whether another page follows
        query.setParameter("limit", filter.limit() + 1);
        @SuppressWarnings("unchecked")
        List<Job> jobs = query.getResultList();
        boolean more = jobs.size() > filter.limit();
        List<Job> page = more ? jobs.subList(0, filter.limit()) : jobs;
        Map<UUID, List<Task>> tasks = page.isEmpty() ? Map.of()
                : Task.<Task>list("jobId in ?1 order by position", page.stream().map(j -> j.id).toList())
                        .stream().collect(Collectors.groupingBy(t -> t.jobId));
        Instant now = Instant.now();
        List<JobView> views = page.stream().map(j -> JobView.of(j, tasks.getOrDefault(j.id, List.of()), now)).toList();
        Job last = page.isEmpty() ? null : page.get(page.size() - 1);
        return new JobPage(views, more ? new JobCursor(last.createdAt, last.id).encode() : null);
    }

    private String toJson(Map<String, String> labels) {
        try {
            return json.writeValueAsString(labels);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
