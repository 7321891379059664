-- DuckDB reference competitor for `scripts/bench`: roughly the work of `llmcost report` on a
-- JSONL call log, done by a general-purpose engine.
--
-- $FILE is replaced with the log path by the runner (scripts/bench), e.g.
--   sed "s|\$FILE|bench-data/calls-1000000.jsonl|g" scripts/duckdb_report.sql | duckdb
--
-- Shape of the work: ONE pass over the file (parse + price every row into a temp table), then
-- seven group-bys over that table (totals, model, route, day, top-10 users, feature,
-- environment), each with call counts, token sums and cost.
--
-- The rates below are ROUGH PLACEHOLDERS (USD per million tokens) for timing comparison only:
-- no effective dates, no long-context tiers, no 1-hour cache-write rate; batch calls get the
-- usual 0.5 multiplier. Unknown models get a NULL cost. Do not use these figures for money.

CREATE OR REPLACE TEMP TABLE rates AS
SELECT * FROM (VALUES
    ('gpt-4o-mini',                 0.15,   0.60,  0.075,  0.15),
    ('gpt-4o',                      2.50,  10.00,  1.25,   2.50),
    ('gpt-4.1',                     2.00,   8.00,  0.50,   2.00),
    ('claude-sonnet-4-5-20250929',  3.00,  15.00,  0.30,   3.75),
    ('claude-haiku-4-5-20251001',   1.00,   5.00,  0.10,   1.25),
    ('claude-opus-4-1-20250805',   15.00,  75.00,  1.50,  18.75),
    ('gemini-2.5-flash',            0.30,   2.50,  0.03,   0.30),
    ('gemini-2.5-pro',              1.25,  10.00,  0.125,  1.25),
    ('deepseek-chat',               0.28,   0.42,  0.028,  0.28)
) AS t(model, input_rate, output_rate, cache_read_rate, cache_write_rate);

-- The single pass over the log. input_tokens counts the whole prompt (cache reads and writes
-- included), so uncached input = input - cache_read - cache_write.
CREATE OR REPLACE TEMP TABLE priced AS
SELECT
    c.ts,
    CAST(c.ts AS DATE)                                  AS day,
    c.provider,
    c.model,
    c.route,
    c.feature,
    c.user_id,
    c.environment,
    c.status,
    COALESCE(c.input_tokens, 0)                         AS input_tokens,
    COALESCE(c.output_tokens, 0)                        AS output_tokens,
    COALESCE(c.cache_read_tokens, 0)                    AS cache_read_tokens,
    COALESCE(c.cache_write_tokens, 0)                   AS cache_write_tokens,
    COALESCE(c.cache_write_1h_tokens, 0)                AS cache_write_1h_tokens,
    COALESCE(c.reasoning_tokens, 0)                     AS reasoning_tokens,
    r.model IS NULL                                     AS unpriced,
    CASE WHEN c.cache_hit AND r.model IS NOT NULL THEN 0 ELSE
        ( (COALESCE(c.input_tokens, 0) - COALESCE(c.cache_read_tokens, 0)
              - COALESCE(c.cache_write_tokens, 0)) * r.input_rate
        + COALESCE(c.output_tokens, 0)      * r.output_rate
        + COALESCE(c.cache_read_tokens, 0)  * r.cache_read_rate
        + COALESCE(c.cache_write_tokens, 0) * r.cache_write_rate
        ) / 1e6 * CASE WHEN c.batch THEN 0.5 ELSE 1.0 END
    END                                                 AS cost,
    c.cost_usd                                          AS logged_cost
FROM read_json('$FILE',
        format = 'newline_delimited',
        columns = {
            'timestamp': 'TIMESTAMP',
            'provider': 'VARCHAR',
            'model': 'VARCHAR',
            'input_tokens': 'BIGINT',
            'output_tokens': 'BIGINT',
            'cache_read_tokens': 'BIGINT',
            'cache_write_tokens': 'BIGINT',
            'cache_write_1h_tokens': 'BIGINT',
            'reasoning_tokens': 'BIGINT',
            'status': 'VARCHAR',
            'route': 'VARCHAR',
            'feature': 'VARCHAR',
            'user_id': 'VARCHAR',
            'environment': 'VARCHAR',
            'batch': 'BOOLEAN',
            'cache_hit': 'BOOLEAN',
            'cost_usd': 'DOUBLE'
        }) AS c(ts, provider, model, input_tokens, output_tokens, cache_read_tokens,
                cache_write_tokens, cache_write_1h_tokens, reasoning_tokens, status, route,
                feature, user_id, environment, batch, cache_hit, cost_usd)
LEFT JOIN rates r ON r.model = c.model;

-- 1. Totals.
SELECT
    count(*)                                    AS calls,
    count(*) FILTER (WHERE status <> 'ok')      AS errors,
    count(*) FILTER (WHERE unpriced)            AS unpriced_calls,
    sum(input_tokens)                           AS input_tokens,
    sum(output_tokens)                          AS output_tokens,
    sum(cache_read_tokens)                      AS cache_read_tokens,
    sum(cache_write_tokens)                     AS cache_write_tokens,
    sum(cache_write_1h_tokens)                  AS cache_write_1h_tokens,
    sum(reasoning_tokens)                       AS reasoning_tokens,
    round(sum(cost), 6)                         AS cost_usd,
    round(sum(logged_cost), 6)                  AS logged_cost_usd,
    min(ts)                                     AS first_call,
    max(ts)                                     AS last_call
FROM priced;

-- 2. Per model.
SELECT provider, model, count(*) AS calls,
       sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens,
       sum(cache_read_tokens) AS cache_read_tokens, sum(cache_write_tokens) AS cache_write_tokens,
       sum(reasoning_tokens) AS reasoning_tokens, round(sum(cost), 6) AS cost_usd
FROM priced GROUP BY ALL ORDER BY cost_usd DESC NULLS LAST;

-- 3. Per route.
SELECT route, count(*) AS calls,
       sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens,
       sum(cache_read_tokens) AS cache_read_tokens, sum(cache_write_tokens) AS cache_write_tokens,
       round(sum(cost), 6) AS cost_usd
FROM priced GROUP BY ALL ORDER BY cost_usd DESC NULLS LAST;

-- 4. Per day (UTC).
SELECT day, count(*) AS calls,
       sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens,
       sum(cache_read_tokens) AS cache_read_tokens, sum(cache_write_tokens) AS cache_write_tokens,
       round(sum(cost), 6) AS cost_usd
FROM priced GROUP BY ALL ORDER BY day;

-- 5. Top 10 users by cost.
SELECT user_id, count(*) AS calls,
       sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens,
       round(sum(cost), 6) AS cost_usd
FROM priced GROUP BY ALL ORDER BY cost_usd DESC NULLS LAST LIMIT 10;

-- 6. Per feature.
SELECT feature, count(*) AS calls,
       sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens,
       sum(cache_read_tokens) AS cache_read_tokens, sum(cache_write_tokens) AS cache_write_tokens,
       round(sum(cost), 6) AS cost_usd
FROM priced GROUP BY ALL ORDER BY cost_usd DESC NULLS LAST;

-- 7. Per environment.
SELECT environment, count(*) AS calls,
       sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens,
       sum(cache_read_tokens) AS cache_read_tokens, sum(cache_write_tokens) AS cache_write_tokens,
       round(sum(cost), 6) AS cost_usd
FROM priced GROUP BY ALL ORDER BY cost_usd DESC NULLS LAST;
