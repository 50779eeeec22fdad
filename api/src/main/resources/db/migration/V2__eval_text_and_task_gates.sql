-- Benchmarks: a job may name its own evaluation text, and each task records the quality gates its
-- variant is held to (a profile's, or the job's override). A null limit is no limit. The figures
-- themselves (benchmark summary, benchmark time) arrive inside the result the worker reports.

alter table jobs add column eval_text text;

alter table tasks add column gate_max_mean_kld                     double precision check (gate_max_mean_kld >= 0);
alter table tasks add column gate_max_perplexity_increase_percent double precision
    check (gate_max_perplexity_increase_percent >= 0);
alter table tasks add column gate_min_same_top_percent            double precision
    check (gate_min_same_top_percent between 0 and 100);
