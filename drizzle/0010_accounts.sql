-- Accounts a person controls: verified emails, password reset, sessions in PostgreSQL, a second factor.
-- Hand-written. Everything here is platform-wide (no tenant_id): the runtime role has no grant on
-- the new tables and reaches them only through the SECURITY DEFINER functions below, each keyed
-- on what its step knows (a token's hash, or the transaction's app.current_user_id).

-- Whether the address was proven. Accounts that exist before this migration were made by an
-- operator or by accepting a mailed invitation (or by sign-up, which could not be checked then):
-- they count as verified rather than locking everyone out.
ALTER TABLE users ADD COLUMN IF NOT EXISTS email_verified_at timestamptz;
--> statement-breakpoint
UPDATE users SET email_verified_at = created_at WHERE email_verified_at IS NULL;
--> statement-breakpoint
-- Sessions: a row per sign-in, keyed by the token's SHA-256 (the token itself is never stored).
-- In PostgreSQL so that a person can list and end them, and so that ending them reaches every
-- instance with the commit (see the trigger below) and survives a key-value store outage.
CREATE TABLE IF NOT EXISTS sessions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  token_hash text NOT NULL UNIQUE,
  user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  ip_address inet,
  user_agent text
);
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS sessions_user_id_idx ON sessions (user_id);
--> statement-breakpoint
REVOKE ALL ON sessions FROM PUBLIC;
--> statement-breakpoint
-- Every way a session row goes (sign-out, revocation, password reset, an account deleted with its
-- tenant, a restore) tells every gateway to forget it, on the channel and in the message format of
-- the invalidation bus (src/cache/invalidation-bus.ts), delivered when the deletion commits.
CREATE OR REPLACE FUNCTION anthias_sessions_dropped() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
DECLARE
  r record;
BEGIN
  FOR r IN
    SELECT array_agg(g.token_hash) AS keys
    FROM (SELECT token_hash, (row_number() OVER () - 1) / 50 AS chunk FROM gone) g
    GROUP BY g.chunk
  LOOP
    PERFORM pg_notify('anthias_invalidate', json_build_object('cache', 'sessions', 'keys', r.keys)::text);
  END LOOP;
  RETURN NULL;
END
$$;
--> statement-breakpoint
DROP TRIGGER IF EXISTS sessions_dropped ON sessions;
--> statement-breakpoint
CREATE TRIGGER sessions_dropped AFTER DELETE ON sessions REFERENCING OLD TABLE AS gone
  FOR EACH STATEMENT EXECUTE FUNCTION anthias_sessions_dropped();
--> statement-breakpoint
-- Single-use tokens mailed to prove an address (verify_email) or to set a new password
-- (reset_password). Only the hash is kept.
CREATE TABLE IF NOT EXISTS account_tokens (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  purpose text NOT NULL CHECK (purpose IN ('verify_email', 'reset_password')),
  token_hash text NOT NULL UNIQUE,
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS account_tokens_user_id_idx ON account_tokens (user_id);
--> statement-breakpoint
REVOKE ALL ON account_tokens FROM PUBLIC;
--> statement-breakpoint
-- A second factor (TOTP, RFC 6238). The secret must stay readable to check codes: it lives in a
-- platform table that the runtime role cannot read and no backup holds. Recovery codes are kept
-- as SHA-256 hashes (80 random bits each), spent once.
CREATE TABLE IF NOT EXISTS second_factors (
  user_id uuid PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  secret text NOT NULL,
  enabled_at timestamptz,
  last_step bigint,
  created_at timestamptz NOT NULL DEFAULT now()
);
--> statement-breakpoint
REVOKE ALL ON second_factors FROM PUBLIC;
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS recovery_codes (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  code_hash text NOT NULL,
  used_at timestamptz
);
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS recovery_codes_user_id_idx ON recovery_codes (user_id);
--> statement-breakpoint
REVOKE ALL ON recovery_codes FROM PUBLIC;
--> statement-breakpoint
-- An organisation's owners may require a second factor of every member.
ALTER TABLE tenants ADD COLUMN IF NOT EXISTS require_second_factor boolean NOT NULL DEFAULT false;
--> statement-breakpoint
-- The runtime role may read whether an address is verified (a backup archives it), and an owner
-- may require a second factor.
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
  GRANT UPDATE (name, contact_email, settings, require_second_factor, updated_at) ON tenants TO anthias_app;

  -- People are visible to the tenants they belong to, and to themselves; password hashes to no one.
  ALTER TABLE users ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
  DROP POLICY IF EXISTS user_visible ON users;
  DROP POLICY IF EXISTS user_self_update ON users;
  EXECUTE format(
    'CREATE POLICY user_visible ON users FOR SELECT USING (id = %s OR EXISTS (SELECT 1 FROM tenant_users tu WHERE tu.user_id = users.id AND tu.tenant_id = %s))',
    user_expr, tenant_expr);
  EXECUTE format('CREATE POLICY user_self_update ON users FOR UPDATE USING (id = %s) WITH CHECK (id = %s)', user_expr, user_expr);
  REVOKE ALL ON users FROM anthias_app;
  GRANT SELECT (id, email, display_name, email_verified_at, created_at, updated_at) ON users TO anthias_app;
  GRANT UPDATE (display_name, updated_at) ON users TO anthias_app;
END
$fn$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION anthias_apply_rls() FROM PUBLIC;
--> statement-breakpoint
SELECT anthias_apply_rls();
--> statement-breakpoint
-- A new session; the user's expired ones go at the same time, so rows never pile up.
CREATE OR REPLACE FUNCTION anthias_session_create(p_token_hash text, p_user_id uuid, p_ttl_seconds integer, p_ip inet, p_user_agent text)
RETURNS TABLE (id uuid, expires_at timestamptz)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
#variable_conflict use_column
BEGIN
  DELETE FROM sessions s WHERE s.user_id = p_user_id AND s.expires_at <= now();
  RETURN QUERY INSERT INTO sessions (token_hash, user_id, expires_at, ip_address, user_agent)
    VALUES (p_token_hash, p_user_id, now() + make_interval(secs => p_ttl_seconds), p_ip, left(p_user_agent, 500))
    RETURNING sessions.id, sessions.expires_at;
END
$$;
--> statement-breakpoint
-- A live session by its token's hash, with what the request needs of its account; its life is
-- renewed (and its last use recorded) at most once a minute.
CREATE OR REPLACE FUNCTION anthias_session_resolve(p_token_hash text, p_ttl_seconds integer)
RETURNS TABLE (id uuid, user_id uuid, expires_at timestamptz, email_verified boolean, second_factor boolean)
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  WITH live AS (
    SELECT s.id, s.user_id, s.expires_at, s.last_used_at FROM sessions s
    WHERE s.token_hash = p_token_hash AND s.expires_at > now()
  ), touched AS (
    UPDATE sessions s SET last_used_at = now(), expires_at = now() + make_interval(secs => p_ttl_seconds)
    FROM live WHERE s.id = live.id AND live.last_used_at < now() - interval '1 minute'
    RETURNING s.id, s.expires_at
  )
  SELECT live.id, live.user_id, coalesce(touched.expires_at, live.expires_at), u.email_verified_at IS NOT NULL,
         EXISTS (SELECT 1 FROM second_factors f WHERE f.user_id = live.user_id AND f.enabled_at IS NOT NULL)
  FROM live JOIN users u ON u.id = live.user_id LEFT JOIN touched ON touched.id = live.id
$$;
--> statement-breakpoint
-- The signed-in user's own sessions, keyed on app.current_user_id.
CREATE OR REPLACE FUNCTION anthias_my_sessions()
RETURNS TABLE (id uuid, created_at timestamptz, last_used_at timestamptz, expires_at timestamptz, ip_address inet, user_agent text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  SELECT s.id, s.created_at, s.last_used_at, s.expires_at, s.ip_address, s.user_agent FROM sessions s
  WHERE s.user_id = nullif(current_setting('app.current_user_id', true), '')::uuid AND s.expires_at > now()
  ORDER BY s.last_used_at DESC, s.id
$$;
--> statement-breakpoint
-- Ends the signed-in user's sessions: one (p_only), or all but one (p_except), or all.
-- Returns the ended sessions' token hashes, for the caller's own cache.
CREATE OR REPLACE FUNCTION anthias_revoke_my_sessions(p_only uuid, p_except uuid)
RETURNS SETOF text
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  DELETE FROM sessions s
  WHERE s.user_id = nullif(current_setting('app.current_user_id', true), '')::uuid
    AND (p_only IS NULL OR s.id = p_only) AND (p_except IS NULL OR s.id <> p_except)
  RETURNING s.token_hash
$$;
--> statement-breakpoint
-- What a request needs of an account whose session it already knows.
CREATE OR REPLACE FUNCTION anthias_account_state(p_user_id uuid)
RETURNS TABLE (email_verified boolean, second_factor boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  SELECT u.email_verified_at IS NOT NULL,
         EXISTS (SELECT 1 FROM second_factors f WHERE f.user_id = u.id AND f.enabled_at IS NOT NULL)
  FROM users u WHERE u.id = p_user_id
$$;
--> statement-breakpoint
-- Ends every session of these accounts (an offboarded tenant's former members).
CREATE OR REPLACE FUNCTION anthias_revoke_user_sessions(p_user_ids uuid[])
RETURNS integer
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  WITH gone AS (DELETE FROM sessions s WHERE s.user_id = ANY (p_user_ids) RETURNING 1)
  SELECT count(*)::integer FROM gone
$$;
--> statement-breakpoint
-- Issues a mailed token for the account of this address, replacing its unused ones of the same
-- purpose. NULL when there is nothing to send: no such account, or its address is verified already.
CREATE OR REPLACE FUNCTION anthias_issue_account_token(p_purpose text, p_email text, p_token_hash text, p_ttl_seconds integer)
RETURNS uuid
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  uid uuid;
  verified boolean;
BEGIN
  -- The account's row is locked so that concurrent requests leave exactly one live token.
  SELECT u.id, u.email_verified_at IS NOT NULL INTO uid, verified FROM users u WHERE lower(u.email) = lower(p_email) FOR UPDATE;
  IF uid IS NULL OR (p_purpose = 'verify_email' AND verified) THEN
    RETURN NULL;
  END IF;
  DELETE FROM account_tokens t WHERE t.user_id = uid AND t.purpose = p_purpose AND t.used_at IS NULL;
  INSERT INTO account_tokens (user_id, purpose, token_hash, expires_at)
    VALUES (uid, p_purpose, p_token_hash, now() + make_interval(secs => p_ttl_seconds));
  RETURN uid;
END
$$;
--> statement-breakpoint
-- Spends a mailed token. Either proves the address, or (reset_password) also sets the password
-- and ends every session of the account. NULL when the token is unknown, used, expired or of
-- another purpose.
CREATE OR REPLACE FUNCTION anthias_use_account_token(p_purpose text, p_token_hash text, p_password_hash text)
RETURNS uuid
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  tok account_tokens%ROWTYPE;
BEGIN
  SELECT * INTO tok FROM account_tokens t WHERE t.token_hash = p_token_hash FOR UPDATE;
  IF NOT FOUND OR tok.purpose <> p_purpose OR tok.used_at IS NOT NULL OR tok.expires_at <= now() THEN
    RETURN NULL;
  END IF;
  UPDATE account_tokens SET used_at = now() WHERE id = tok.id;
  IF p_purpose = 'reset_password' THEN
    IF p_password_hash IS NULL THEN
      RAISE EXCEPTION 'a password reset needs the new password';
    END IF;
    UPDATE users SET password_hash = p_password_hash, email_verified_at = coalesce(email_verified_at, now()), updated_at = now()
      WHERE id = tok.user_id;
    DELETE FROM sessions s WHERE s.user_id = tok.user_id;
    DELETE FROM account_tokens t WHERE t.user_id = tok.user_id AND t.purpose = 'reset_password' AND t.used_at IS NULL;
  ELSE
    UPDATE users SET email_verified_at = coalesce(email_verified_at, now()), updated_at = now() WHERE id = tok.user_id;
  END IF;
  RETURN tok.user_id;
END
$$;
--> statement-breakpoint
-- The signed-in user's own password hash and address (to check the current password), and a new
-- hash for it; both keyed on app.current_user_id.
CREATE OR REPLACE FUNCTION anthias_my_password_hash()
RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  SELECT u.password_hash FROM users u WHERE u.id = nullif(current_setting('app.current_user_id', true), '')::uuid
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION anthias_set_my_password(p_password_hash text)
RETURNS boolean
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  WITH changed AS (
    UPDATE users SET password_hash = p_password_hash, updated_at = now()
    WHERE id = nullif(current_setting('app.current_user_id', true), '')::uuid RETURNING 1
  ) SELECT count(*) = 1 FROM changed
$$;
--> statement-breakpoint
-- Accepting an invitation proves the mailbox. An account of that address whose own address was
-- never proven (someone else may have created it) is taken over by the person who accepted: its
-- password is replaced by theirs and its sessions end (status 'reclaimed'). A membership is never
-- attached to an unverified account.
CREATE OR REPLACE FUNCTION anthias_accept_invitation(
  p_token_hash text, p_expected_tenant uuid, p_password_hash text,
  p_request_id text, p_ip inet, p_user_agent text)
RETURNS TABLE (status text, tenant_id uuid, user_id uuid, role text)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
#variable_conflict use_column
DECLARE
  inv invitations%ROWTYPE;
  uid uuid;
  verified boolean;
  outcome text := 'joined';
BEGIN
  SELECT * INTO inv FROM invitations i WHERE i.token_hash = p_token_hash FOR UPDATE;
  IF NOT FOUND OR inv.accepted_at IS NOT NULL OR inv.revoked_at IS NOT NULL OR inv.expires_at <= now()
     OR (p_expected_tenant IS NOT NULL AND inv.tenant_id <> p_expected_tenant)
     OR NOT EXISTS (SELECT 1 FROM tenants t WHERE t.id = inv.tenant_id AND t.status = 'active') THEN
    RETURN QUERY SELECT 'invalid'::text, NULL::uuid, NULL::uuid, NULL::text;
    RETURN;
  END IF;
  SELECT u.id, u.email_verified_at IS NOT NULL INTO uid, verified FROM users u WHERE lower(u.email) = lower(inv.email) FOR UPDATE;
  IF uid IS NULL OR NOT verified THEN
    IF p_password_hash IS NULL THEN
      RETURN QUERY SELECT 'password_required'::text, inv.tenant_id, NULL::uuid, inv.role;
      RETURN;
    END IF;
  END IF;
  IF uid IS NULL THEN
    INSERT INTO users (email, password_hash, email_verified_at) VALUES (lower(inv.email), p_password_hash, now()) RETURNING users.id INTO uid;
    outcome := 'created';
  ELSIF NOT verified THEN
    UPDATE users SET password_hash = p_password_hash, email_verified_at = now(), updated_at = now() WHERE id = uid;
    DELETE FROM sessions s WHERE s.user_id = uid;
    DELETE FROM account_tokens t WHERE t.user_id = uid AND t.used_at IS NULL;
    outcome := 'reclaimed';
  END IF;
  INSERT INTO tenant_users (tenant_id, user_id, role) VALUES (inv.tenant_id, uid, inv.role)
    ON CONFLICT (tenant_id, user_id)
    DO UPDATE SET role = excluded.role, is_active = true, updated_at = now();
  UPDATE invitations SET accepted_at = now() WHERE id = inv.id;
  INSERT INTO audit_logs (tenant_id, actor_type, actor_id, action, target_type, target_id, changes, request_id, ip_address, user_agent)
  VALUES (inv.tenant_id, 'user', uid, 'member.join', 'user', uid,
          jsonb_build_object('role', jsonb_build_object('after', inv.role), 'invitation', jsonb_build_object('after', inv.id),
                             'newAccount', jsonb_build_object('after', outcome = 'created'),
                             'accountReclaimed', jsonb_build_object('after', outcome = 'reclaimed')),
          p_request_id, p_ip, p_user_agent);
  RETURN QUERY SELECT outcome, inv.tenant_id, uid, inv.role;
END
$$;
--> statement-breakpoint
-- Sign-up: a new account's address is not verified yet; an existing account must have proven its own.
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
  IF uid IS NOT NULL AND NOT EXISTS (SELECT 1 FROM users u WHERE u.id = uid AND u.email_verified_at IS NOT NULL) THEN
    RAISE EXCEPTION 'an organisation is never given to an account whose address is not verified';
  END IF;
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
-- Resolution also says whether the organisation requires a second factor.
DROP FUNCTION IF EXISTS anthias_resolve_tenant(text, text);
--> statement-breakpoint
CREATE FUNCTION anthias_resolve_tenant(p_kind text, p_value text)
RETURNS TABLE (id uuid, subdomain text, status text, plan text, requests_per_minute integer, require_second_factor boolean)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
  IF p_kind = 'subdomain' THEN
    RETURN QUERY SELECT t.id, t.subdomain, t.status, t.plan, t.requests_per_minute, t.require_second_factor FROM tenants t WHERE t.subdomain = lower(p_value);
  ELSIF p_kind = 'id' THEN
    IF p_value ~* '^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$' THEN
      RETURN QUERY SELECT t.id, t.subdomain, t.status, t.plan, t.requests_per_minute, t.require_second_factor FROM tenants t WHERE t.id = p_value::uuid;
    END IF;
  ELSIF p_kind = 'domain' THEN
    RETURN QUERY SELECT t.id, t.subdomain, t.status, t.plan, t.requests_per_minute, t.require_second_factor FROM tenant_domains d JOIN tenants t ON t.id = d.tenant_id
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
-- The signed-in user's second factor, keyed on app.current_user_id: its state, a pending
-- enrolment (replacing an unconfirmed one; never an enabled one), its confirmation with new
-- recovery codes, and its removal.
CREATE OR REPLACE FUNCTION anthias_my_second_factor()
RETURNS TABLE (secret text, enabled boolean, last_step bigint, recovery_codes_left integer)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  SELECT f.secret, f.enabled_at IS NOT NULL, f.last_step,
         (SELECT count(*)::integer FROM recovery_codes r WHERE r.user_id = f.user_id AND r.used_at IS NULL)
  FROM second_factors f WHERE f.user_id = nullif(current_setting('app.current_user_id', true), '')::uuid
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION anthias_begin_second_factor(p_secret text)
RETURNS boolean
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  WITH pending AS (
    INSERT INTO second_factors (user_id, secret) VALUES (nullif(current_setting('app.current_user_id', true), '')::uuid, p_secret)
    ON CONFLICT (user_id) DO UPDATE SET secret = excluded.secret, last_step = NULL, created_at = now()
      WHERE second_factors.enabled_at IS NULL
    RETURNING 1
  ) SELECT count(*) = 1 FROM pending
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION anthias_enable_second_factor(p_step bigint, p_code_hashes text[])
RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  uid uuid := nullif(current_setting('app.current_user_id', true), '')::uuid;
BEGIN
  UPDATE second_factors SET enabled_at = now(), last_step = p_step WHERE user_id = uid AND enabled_at IS NULL;
  IF NOT FOUND THEN
    RETURN false;
  END IF;
  DELETE FROM recovery_codes r WHERE r.user_id = uid;
  INSERT INTO recovery_codes (user_id, code_hash) SELECT uid, h FROM unnest(p_code_hashes) AS h;
  RETURN true;
END
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION anthias_disable_second_factor()
RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  uid uuid := nullif(current_setting('app.current_user_id', true), '')::uuid;
BEGIN
  DELETE FROM recovery_codes r WHERE r.user_id = uid;
  DELETE FROM second_factors f WHERE f.user_id = uid;
  RETURN FOUND;
END
$$;
--> statement-breakpoint
-- Sign-in, before any user is set: the enabled factor of an account whose password was just checked.
CREATE OR REPLACE FUNCTION anthias_second_factor_for_login(p_user_id uuid)
RETURNS TABLE (secret text, last_step bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  SELECT f.secret, f.last_step FROM second_factors f WHERE f.user_id = p_user_id AND f.enabled_at IS NOT NULL
$$;
--> statement-breakpoint
-- Spends a TOTP time step (a code works once, and never an older one) or a recovery code.
CREATE OR REPLACE FUNCTION anthias_spend_second_factor(p_user_id uuid, p_step bigint, p_recovery_hash text)
RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
  IF p_step IS NOT NULL THEN
    UPDATE second_factors SET last_step = p_step
    WHERE user_id = p_user_id AND enabled_at IS NOT NULL AND (last_step IS NULL OR last_step < p_step);
  ELSE
    UPDATE recovery_codes SET used_at = now() WHERE user_id = p_user_id AND code_hash = p_recovery_hash AND used_at IS NULL;
  END IF;
  RETURN FOUND;
END
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION anthias_my_second_factor(), anthias_begin_second_factor(text), anthias_enable_second_factor(bigint, text[]),
  anthias_disable_second_factor(), anthias_second_factor_for_login(uuid), anthias_spend_second_factor(uuid, bigint, text) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION anthias_my_second_factor(), anthias_begin_second_factor(text), anthias_enable_second_factor(bigint, text[]),
  anthias_disable_second_factor(), anthias_second_factor_for_login(uuid), anthias_spend_second_factor(uuid, bigint, text) TO anthias_app;
--> statement-breakpoint
REVOKE ALL ON FUNCTION anthias_session_create(text, uuid, integer, inet, text), anthias_session_resolve(text, integer),
  anthias_my_sessions(), anthias_revoke_my_sessions(uuid, uuid), anthias_account_state(uuid), anthias_revoke_user_sessions(uuid[]),
  anthias_issue_account_token(text, text, text, integer), anthias_use_account_token(text, text, text),
  anthias_my_password_hash(), anthias_set_my_password(text), anthias_sessions_dropped() FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION anthias_session_create(text, uuid, integer, inet, text), anthias_session_resolve(text, integer),
  anthias_my_sessions(), anthias_revoke_my_sessions(uuid, uuid), anthias_account_state(uuid), anthias_revoke_user_sessions(uuid[]),
  anthias_issue_account_token(text, text, text, integer), anthias_use_account_token(text, text, text),
  anthias_my_password_hash(), anthias_set_my_password(text) TO anthias_app;
