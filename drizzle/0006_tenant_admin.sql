-- The new invitations table gets the same RLS, policy and grants as every tenant table.
SELECT anthias_apply_rls();
--> statement-breakpoint
-- Resolution now also returns what the per-tenant request limit needs (plan and override).
DROP FUNCTION IF EXISTS anthias_resolve_tenant(text, text);
--> statement-breakpoint
CREATE FUNCTION anthias_resolve_tenant(p_kind text, p_value text)
RETURNS TABLE (id uuid, subdomain text, status text, plan text, requests_per_minute integer)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
  IF p_kind = 'subdomain' THEN
    RETURN QUERY SELECT t.id, t.subdomain, t.status, t.plan, t.requests_per_minute FROM tenants t WHERE t.subdomain = lower(p_value);
  ELSIF p_kind = 'id' THEN
    IF p_value ~* '^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$' THEN
      RETURN QUERY SELECT t.id, t.subdomain, t.status, t.plan, t.requests_per_minute FROM tenants t WHERE t.id = p_value::uuid;
    END IF;
  ELSIF p_kind = 'domain' THEN
    RETURN QUERY SELECT t.id, t.subdomain, t.status, t.plan, t.requests_per_minute FROM tenant_domains d JOIN tenants t ON t.id = d.tenant_id
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
--> statement-breakpoint
-- Accepting an invitation happens before the invitee is a member: check the token, create the
-- user if new (the password hash comes ready), join, spend the token and audit, all at once.
CREATE OR REPLACE FUNCTION anthias_accept_invitation(
  p_token_hash text, p_expected_tenant uuid, p_password_hash text,
  p_request_id text, p_ip inet, p_user_agent text)
RETURNS TABLE (status text, tenant_id uuid, user_id uuid, role text)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
#variable_conflict use_column
DECLARE
  inv invitations%ROWTYPE;
  uid uuid;
  created boolean := false;
BEGIN
  SELECT * INTO inv FROM invitations i WHERE i.token_hash = p_token_hash FOR UPDATE;
  IF NOT FOUND OR inv.accepted_at IS NOT NULL OR inv.revoked_at IS NOT NULL OR inv.expires_at <= now()
     OR (p_expected_tenant IS NOT NULL AND inv.tenant_id <> p_expected_tenant)
     OR NOT EXISTS (SELECT 1 FROM tenants t WHERE t.id = inv.tenant_id AND t.status = 'active') THEN
    RETURN QUERY SELECT 'invalid'::text, NULL::uuid, NULL::uuid, NULL::text;
    RETURN;
  END IF;
  SELECT u.id INTO uid FROM users u WHERE lower(u.email) = lower(inv.email);
  IF uid IS NULL THEN
    IF p_password_hash IS NULL THEN
      RETURN QUERY SELECT 'password_required'::text, inv.tenant_id, NULL::uuid, inv.role;
      RETURN;
    END IF;
    INSERT INTO users (email, password_hash) VALUES (lower(inv.email), p_password_hash) RETURNING users.id INTO uid;
    created := true;
  END IF;
  INSERT INTO tenant_users (tenant_id, user_id, role) VALUES (inv.tenant_id, uid, inv.role)
    ON CONFLICT (tenant_id, user_id)
    DO UPDATE SET role = excluded.role, is_active = true, updated_at = now();
  UPDATE invitations SET accepted_at = now() WHERE id = inv.id;
  INSERT INTO audit_logs (tenant_id, actor_type, actor_id, action, target_type, target_id, changes, request_id, ip_address, user_agent)
  VALUES (inv.tenant_id, 'user', uid, 'member.join', 'user', uid,
          jsonb_build_object('role', jsonb_build_object('after', inv.role), 'invitation', jsonb_build_object('after', inv.id), 'newAccount', jsonb_build_object('after', created)),
          p_request_id, p_ip, p_user_agent);
  RETURN QUERY SELECT CASE WHEN created THEN 'created' ELSE 'joined' END, inv.tenant_id, uid, inv.role;
END
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION anthias_accept_invitation(text, uuid, text, text, inet, text) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION anthias_accept_invitation(text, uuid, text, text, inet, text) TO anthias_app;
--> statement-breakpoint
-- Self-service sign-up: a new tenant on the basic plan with its owner, never anything more.
CREATE OR REPLACE FUNCTION anthias_sign_up(
  p_name text, p_subdomain text, p_email text, p_password_hash text, p_existing_user uuid,
  p_request_id text, p_ip inet, p_user_agent text)
RETURNS TABLE (tenant_id uuid, user_id uuid)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
#variable_conflict use_column
DECLARE
  tid uuid;
  uid uuid := p_existing_user;
BEGIN
  INSERT INTO tenants (name, subdomain, plan, contact_email) VALUES (p_name, p_subdomain, 'basic', lower(p_email))
    RETURNING tenants.id INTO tid;
  IF uid IS NULL THEN
    INSERT INTO users (email, password_hash) VALUES (lower(p_email), p_password_hash) RETURNING users.id INTO uid;
  END IF;
  INSERT INTO tenant_users (tenant_id, user_id, role) VALUES (tid, uid, 'owner');
  INSERT INTO audit_logs (tenant_id, actor_type, actor_id, action, target_type, target_id, changes, request_id, ip_address, user_agent)
  VALUES (tid, 'user', uid, 'tenant.signup', 'tenant', tid,
          jsonb_build_object('subdomain', jsonb_build_object('after', p_subdomain), 'plan', jsonb_build_object('after', 'basic')),
          p_request_id, p_ip, p_user_agent);
  RETURN QUERY SELECT tid, uid;
END
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION anthias_sign_up(text, text, text, text, uuid, text, inet, text) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION anthias_sign_up(text, text, text, text, uuid, text, inet, text) TO anthias_app;
