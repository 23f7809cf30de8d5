-- Device keys are found by their public prefix before a tenant is known.
CREATE OR REPLACE FUNCTION anthias_device_key_lookup(p_prefix text)
RETURNS TABLE (device_id uuid, tenant_id uuid, key_hash text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  SELECT d.id, d.tenant_id, d.key_hash FROM devices d WHERE d.key_prefix = p_prefix AND d.key_hash IS NOT NULL
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION anthias_device_key_lookup(text) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION anthias_device_key_lookup(text) TO anthias_app;
--> statement-breakpoint
-- A QR scan arrives with no tenant at all: count it atomically and return only the target,
-- and only for an active tenant.
CREATE OR REPLACE FUNCTION anthias_qr_scan(p_code text) RETURNS text
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  UPDATE qr_contents q SET scan_count = q.scan_count + 1, last_scanned_at = now()
  FROM tenants t
  WHERE q.code = p_code AND t.id = q.tenant_id AND t.status = 'active'
  RETURNING q.target_url
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION anthias_qr_scan(text) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION anthias_qr_scan(text) TO anthias_app;
