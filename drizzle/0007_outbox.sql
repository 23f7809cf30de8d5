-- The after-commit mechanism: what must happen because a change committed (cache drops in the
-- key-value store, mail, purges) is written in the change's own transaction and carried out
-- afterwards, retried until it succeeds. Platform table: the runtime role has no grant on it and
-- goes through the functions below.
CREATE TABLE IF NOT EXISTS outbox (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind text NOT NULL,
  payload jsonb NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  available_at timestamptz NOT NULL DEFAULT now(),
  created_at timestamptz NOT NULL DEFAULT now(),
  last_error text
);
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS outbox_available_idx ON outbox (available_at);
--> statement-breakpoint
REVOKE ALL ON outbox FROM PUBLIC;
--> statement-breakpoint
-- Delayed a little when the writer carries the entry out itself right after its commit, so the
-- drain worker picks it up only if that did not happen.
CREATE OR REPLACE FUNCTION anthias_outbox_enqueue(p_kind text, p_payload jsonb, p_delay_seconds integer)
RETURNS bigint LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  INSERT INTO outbox (kind, payload, available_at)
  VALUES (p_kind, p_payload, now() + make_interval(secs => p_delay_seconds))
  RETURNING id
$$;
--> statement-breakpoint
-- Claims due entries for one worker: leased (invisible to others) until done or retried.
CREATE OR REPLACE FUNCTION anthias_outbox_claim(p_limit integer, p_lease_seconds integer)
RETURNS TABLE (id bigint, kind text, payload jsonb, attempts integer)
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  UPDATE outbox o SET attempts = o.attempts + 1, available_at = now() + make_interval(secs => p_lease_seconds)
  WHERE o.id IN (SELECT d.id FROM outbox d WHERE d.available_at <= now() ORDER BY d.id LIMIT p_limit FOR UPDATE SKIP LOCKED)
  RETURNING o.id, o.kind, o.payload, o.attempts
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION anthias_outbox_done(p_ids bigint[])
RETURNS void LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  DELETE FROM outbox WHERE id = ANY (p_ids)
$$;
--> statement-breakpoint
-- A failed attempt: due again after the delay (NULL: never, kept for an operator to read).
CREATE OR REPLACE FUNCTION anthias_outbox_retry(p_id bigint, p_error text, p_delay_seconds integer)
RETURNS void LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  UPDATE outbox SET last_error = left(p_error, 2000),
    available_at = CASE WHEN p_delay_seconds IS NULL THEN 'infinity'::timestamptz ELSE now() + make_interval(secs => p_delay_seconds) END
  WHERE id = p_id
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION anthias_outbox_enqueue(text, jsonb, integer), anthias_outbox_claim(integer, integer),
  anthias_outbox_done(bigint[]), anthias_outbox_retry(bigint, text, integer) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION anthias_outbox_enqueue(text, jsonb, integer), anthias_outbox_claim(integer, integer),
  anthias_outbox_done(bigint[]), anthias_outbox_retry(bigint, text, integer) TO anthias_app;
