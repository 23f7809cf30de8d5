-- Roles, Row-Level Security, grants and the narrow SECURITY DEFINER look-ups (DESIGN.md, "Data").
-- Hand-written; drizzle-kit only records it in the journal. Every statement is idempotent.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'anthias_app') THEN
    CREATE ROLE anthias_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
  END IF;
END $$;
--> statement-breakpoint
GRANT USAGE ON SCHEMA public TO anthias_app;
--> statement-breakpoint
-- One definition of every policy and grant; `anthias rls setup` calls it again.
CREATE OR REPLACE FUNCTION anthias_apply_rls() RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, public AS $fn$
DECLARE
  t text;
  tenant_expr constant text := $e$nullif(current_setting('app.current_tenant_id', true), '')::uuid$e$;
  user_expr constant text := $e$nullif(current_setting('app.current_user_id', true), '')::uuid$e$;
BEGIN
  FOR t IN
    SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind = 'r'
      AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped)
    ORDER BY 1
  LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('DROP POLICY IF EXISTS tenant_isolation ON %I', t);
    EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = %s) WITH CHECK (tenant_id = %s)', t, tenant_expr, tenant_expr);
    EXECUTE format('REVOKE ALL ON %I FROM anthias_app', t);
    IF t = 'audit_logs' THEN
      EXECUTE format('GRANT SELECT, INSERT ON %I TO anthias_app', t);
    ELSE
      EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO anthias_app', t);
    END IF;
  END LOOP;

  -- A tenant sees only itself; plan, limits and status belong to operators.
  ALTER TABLE tenants ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
  DROP POLICY IF EXISTS tenant_isolation ON tenants;
  EXECUTE format('CREATE POLICY tenant_isolation ON tenants USING (id = %s) WITH CHECK (id = %s)', tenant_expr, tenant_expr);
  REVOKE ALL ON tenants FROM anthias_app;
  GRANT SELECT ON tenants TO anthias_app;
  GRANT UPDATE (name, contact_email, settings, updated_at) ON tenants TO anthias_app;

  -- People are visible to the tenants they belong to, and to themselves; password hashes to no one.
  ALTER TABLE users ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
  DROP POLICY IF EXISTS user_visible ON users;
  DROP POLICY IF EXISTS user_self_update ON users;
  EXECUTE format(
    'CREATE POLICY user_visible ON users FOR SELECT USING (id = %s OR EXISTS (SELECT 1 FROM tenant_users tu WHERE tu.user_id = users.id AND tu.tenant_id = %s))',
    user_expr, tenant_expr);
  EXECUTE format('CREATE POLICY user_self_update ON users FOR UPDATE USING (id = %s) WITH CHECK (id = %s)', user_expr, user_expr);
  REVOKE ALL ON users FROM anthias_app;
  GRANT SELECT (id, email, display_name, created_at, updated_at) ON users TO anthias_app;
  GRANT UPDATE (display_name, updated_at) ON users TO anthias_app;
END
$fn$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION anthias_apply_rls() FROM PUBLIC;
--> statement-breakpoint
SELECT anthias_apply_rls();
--> statement-breakpoint
-- Tenant resolution happens before any tenant is set: by verified custom domain, subdomain or id.
CREATE OR REPLACE FUNCTION anthias_resolve_tenant(p_kind text, p_value text)
RETURNS TABLE (id uuid, subdomain text, status text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
  IF p_kind = 'subdomain' THEN
    RETURN QUERY SELECT t.id, t.subdomain, t.status FROM tenants t WHERE t.subdomain = lower(p_value);
  ELSIF p_kind = 'id' THEN
    IF p_value ~* '^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$' THEN
      RETURN QUERY SELECT t.id, t.subdomain, t.status FROM tenants t WHERE t.id = p_value::uuid;
    END IF;
  ELSIF p_kind = 'domain' THEN
    RETURN QUERY SELECT t.id, t.subdomain, t.status FROM tenant_domains d JOIN tenants t ON t.id = d.tenant_id
      WHERE d.hostname = lower(p_value) AND d.verified_at IS NOT NULL;
  ELSE
    RAISE EXCEPTION 'unknown tenant look-up kind %', p_kind;
  END IF;
END
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION anthias_resolve_tenant(text, text) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION anthias_resolve_tenant(text, text) TO anthias_app;
