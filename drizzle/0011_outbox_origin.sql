-- An effect is carried out by the instance that wrote it (it retries its own), and by any other
-- only once it is overdue by the orphan grace (its writer has likely stopped). Expand only: the
-- previous functions stay for instances of the previous release during a rolling deploy.
ALTER TABLE outbox ADD COLUMN IF NOT EXISTS origin text;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION anthias_outbox_enqueue(p_kind text, p_payload jsonb, p_delay_seconds integer, p_origin text)
RETURNS bigint LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  INSERT INTO outbox (kind, payload, available_at, origin)
  VALUES (p_kind, p_payload, now() + make_interval(secs => p_delay_seconds), p_origin)
  RETURNING id
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION anthias_outbox_claim(p_limit integer, p_lease_seconds integer, p_origin text, p_orphan_seconds integer)
RETURNS TABLE (id bigint, kind text, payload jsonb, attempts integer)
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  UPDATE outbox o SET attempts = o.attempts + 1, available_at = now() + make_interval(secs => p_lease_seconds)
  WHERE o.id IN (
    SELECT d.id FROM outbox d
    WHERE d.available_at <= now()
      AND (d.origin IS NULL OR d.origin = p_origin OR d.available_at <= now() - make_interval(secs => p_orphan_seconds))
    ORDER BY d.id LIMIT p_limit FOR UPDATE SKIP LOCKED)
  RETURNING o.id, o.kind, o.payload, o.attempts
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION anthias_outbox_enqueue(text, jsonb, integer, text), anthias_outbox_claim(integer, integer, text, integer) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION anthias_outbox_enqueue(text, jsonb, integer, text), anthias_outbox_claim(integer, integer, text, integer) TO anthias_app;
