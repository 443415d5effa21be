-- Live updates: every publish finds the dashboard connections of an organisation's members (and of
-- super admins) by user, so it reads only the sockets it may send to, however many are connected.
CREATE INDEX ws_connections_user_idx ON ws_connections (user_id) WHERE kind = 'dashboard';
CREATE INDEX users_super_admin_idx ON users (id) WHERE is_super_admin AND active;
