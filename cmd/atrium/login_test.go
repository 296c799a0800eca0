package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestLoginEndToEnd: `atrium login` against the real server stores a token
// that the other commands then use; without a credential a command fails with
// 401 and says how to sign in; `atrium logout` forgets the token. Not
// parallel: it sets ATRIUM_URL and ATRIUM_CONFIG_DIR.
func TestLoginEndToEnd(t *testing.T) {
	cfg := defaultServeConfig()
	cfg.AdminClientID, cfg.AdminClientSecret = "cli-admin", "cli-secret-0123456789"
	s, _, _, _ := startServe(t, cfg)
	t.Setenv(envURL, s.URL())
	t.Setenv(envConfigDir, t.TempDir())
	t.Setenv(envToken, "")
	t.Setenv(envClientID, "")
	t.Setenv(envClientSecret, "")

	out, err := run(t, "get", "blueprints")
	if err == nil || !strings.Contains(err.Error(), "401") || !strings.Contains(err.Error(), "atrium login") {
		t.Fatalf("get blueprints before login = %v (%s), want a 401 that mentions atrium login", err, out)
	}

	cmd := newRootCmd()
	var buf bytes.Buffer
	cmd.SetOut(&buf)
	cmd.SetErr(&buf)
	cmd.SetIn(strings.NewReader("wrong-secret\n"))
	cmd.SetArgs([]string{"login", "--client-id", "cli-admin"})
	if err := cmd.Execute(); err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("login with a wrong secret = %v, want 401", err)
	}

	cmd = newRootCmd()
	buf.Reset()
	cmd.SetOut(&buf)
	cmd.SetErr(&buf)
	cmd.SetIn(strings.NewReader("cli-secret-0123456789\n"))
	cmd.SetArgs([]string{"login", "--client-id", "cli-admin"})
	if err := cmd.Execute(); err != nil {
		t.Fatalf("login: %v\n%s", err, buf.String())
	}
	if !strings.Contains(buf.String(), "as admin@atrium.local") || strings.Contains(buf.String(), "cli-secret") {
		t.Errorf("login printed %q", buf.String())
	}
	if out, err := run(t, "get", "blueprints"); err != nil || !strings.Contains(out, "_team") {
		t.Errorf("get blueprints after login = %v\n%s", err, out)
	}
	path, _ := credPath()
	cf, err := loadCredFile(path)
	if err != nil || !strings.HasPrefix(cf.Servers[serverKey(s.URL())].Token, "atrat_") {
		t.Errorf("credentials file = %+v, %v", cf, err)
	}

	if out, err := run(t, "logout"); err != nil || !strings.Contains(out, "forgot") {
		t.Errorf("logout = %v %s", err, out)
	}
	if _, err := run(t, "get", "blueprints"); err == nil {
		t.Error("get blueprints after logout succeeded")
	}

	// CI: a credential in the environment is exchanged per command.
	t.Setenv(envClientID, "cli-admin")
	t.Setenv(envClientSecret, "cli-secret-0123456789")
	if out, err := run(t, "get", "blueprints"); err != nil || !strings.Contains(out, "_user") {
		t.Errorf("get blueprints with ATRIUM_CLIENT_ID/SECRET = %v\n%s", err, out)
	}
}
