-- Idempotent retries of mutations (the Idempotency-Key header): the record is written in the
-- mutation's own transaction, so it exists exactly when the mutation committed, whatever else is
-- down. Kept 24 hours.
CREATE TABLE IF NOT EXISTS idempotency_keys (
  tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  principal text NOT NULL,
  key text NOT NULL,
  request_hash text NOT NULL,
  response jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, principal, key)
);
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS idempotency_keys_created_at_idx ON idempotency_keys (created_at);
--> statement-breakpoint
SELECT anthias_apply_rls();
--> statement-breakpoint
-- Expired records of every tenant, removed by the gateways' background worker.
CREATE OR REPLACE FUNCTION anthias_idempotency_prune(p_older_than_seconds integer)
RETURNS integer LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  WITH gone AS (DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(secs => p_older_than_seconds) RETURNING 1)
  SELECT count(*)::integer FROM gone
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION anthias_idempotency_prune(integer) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION anthias_idempotency_prune(integer) TO anthias_app;
