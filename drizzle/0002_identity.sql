-- Look-ups for sign-in and API keys, which happen before a tenant is known, and the tenant
-- picker. Each returns only what its step needs; EXECUTE is granted to anthias_app alone.
CREATE OR REPLACE FUNCTION anthias_login_lookup(p_email text)
RETURNS TABLE (user_id uuid, password_hash text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  SELECT u.id, u.password_hash FROM users u WHERE lower(u.email) = lower(p_email)
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION anthias_login_lookup(text) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION anthias_login_lookup(text) TO anthias_app;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION anthias_api_key_lookup(p_prefix text)
RETURNS TABLE (id uuid, tenant_id uuid, key_hash text, permissions text[], created_by uuid,
               expires_at timestamptz, revoked_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  SELECT k.id, k.tenant_id, k.key_hash, k.permissions, k.created_by, k.expires_at, k.revoked_at
  FROM api_keys k WHERE k.prefix = p_prefix
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION anthias_api_key_lookup(text) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION anthias_api_key_lookup(text) TO anthias_app;
--> statement-breakpoint
-- The signed-in user's memberships across tenants (for a tenant picker), keyed on the
-- transaction's app.current_user_id, so a caller can only ever ask about itself.
CREATE OR REPLACE FUNCTION anthias_my_memberships()
RETURNS TABLE (tenant_id uuid, subdomain text, name text, status text, role text, permissions text[], is_active boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  SELECT t.id, t.subdomain, t.name, t.status, tu.role, tu.permissions, tu.is_active
  FROM tenant_users tu JOIN tenants t ON t.id = tu.tenant_id
  WHERE tu.user_id = nullif(current_setting('app.current_user_id', true), '')::uuid
  ORDER BY t.name
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION anthias_my_memberships() FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION anthias_my_memberships() TO anthias_app;
