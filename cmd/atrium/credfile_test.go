package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestCredFileRoundTrip: the token file is private (0600 in a 0700
// directory), survives a round trip and is keyed by the server URL without a
// trailing slash. Not parallel: it sets ATRIUM_CONFIG_DIR.
func TestCredFileRoundTrip(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cfg")
	t.Setenv(envConfigDir, dir)
	path, err := credPath()
	if err != nil {
		t.Fatal(err)
	}
	cf, err := loadCredFile(path)
	if err != nil || len(cf.Servers) != 0 {
		t.Fatalf("loadCredFile(missing) = %v, %v; want empty", cf, err)
	}
	exp := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	cf.Servers[serverKey("http://127.0.0.1:7780/")] = storedToken{Token: "atrat_x", ExpiresAt: exp, User: "a@b.c"}
	if err := cf.save(path); err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]os.FileMode{dir: 0o700, path: 0o600} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("mode of %s = %v, want %v", p, got, want)
		}
	}
	got, ok := storedTokenFor("http://127.0.0.1:7780")
	if !ok || got.Token != "atrat_x" || !got.ExpiresAt.Equal(exp) || got.User != "a@b.c" {
		t.Errorf("storedTokenFor = %+v, %v", got, ok)
	}
	if _, ok := storedTokenFor("http://other:1"); ok {
		t.Error("storedTokenFor(other server) found a token")
	}
	if err := os.WriteFile(path, []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := loadCredFile(path); err == nil {
		t.Error("loadCredFile(corrupt) = nil error")
	}
}
