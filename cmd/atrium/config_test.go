package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/spf13/pflag"
)

func TestLoadServeConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		args    []string
		env     []string
		want    serveConfig
		wantErr string
	}{
		{name: "defaults", want: defaultServeConfig()},
		{
			name: "env",
			env:  []string{"ATRIUM_ADDR=localhost:9000", "ATRIUM_DB=postgres://u:pw@h/db", "ATRIUM_DEMO=true"},
			want: func() serveConfig {
				c := defaultServeConfig()
				c.Addr, c.DB, c.Demo = "localhost:9000", "postgres://u:pw@h/db", true
				return c
			}(),
		},
		{
			name: "flags win over env",
			args: []string{"--addr", "[::1]:7000", "--db", "/tmp/x.db"},
			env:  []string{"ATRIUM_ADDR=localhost:9000", "ATRIUM_DB=postgres://h/db"},
			want: func() serveConfig {
				c := defaultServeConfig()
				c.Addr, c.DB = "[::1]:7000", "/tmp/x.db"
				return c
			}(),
		},
		{
			name: "public address allowed with authentication",
			args: []string{"--addr", ":7780", "--public-url", "https://portal.example.com"},
			want: func() serveConfig {
				c := defaultServeConfig()
				c.Addr, c.PublicURL = ":7780", "https://portal.example.com"
				return c
			}(),
		},
		{name: "all interfaces refused without auth", args: []string{"--addr", ":7780", "--insecure-no-auth"}, wantErr: "not a loopback address"},
		{name: "public address refused without auth", env: []string{"ATRIUM_ADDR=0.0.0.0:7780", "ATRIUM_INSECURE_NO_AUTH=true"}, wantErr: "--addr (ATRIUM_ADDR)"},
		{
			name: "bootstrap admin and OIDC from env",
			env: []string{"ATRIUM_ADMIN_EMAIL=root@example.com", "ATRIUM_ADMIN_CLIENT_ID=ci", "ATRIUM_ADMIN_CLIENT_SECRET=0123456789abcdef0",
				"ATRIUM_ADMIN_PASSWORD=correct horse battery", "ATRIUM_TOKEN_TTL=1h", "ATRIUM_OIDC_ISSUER=https://idp.example.com",
				"ATRIUM_OIDC_CLIENT_ID=atrium", "ATRIUM_OIDC_CLIENT_SECRET=s3cr3t", "ATRIUM_PUBLIC_URL=https://portal.example.com",
				"ATRIUM_OIDC_SCOPES=openid,email,groups", "ATRIUM_OIDC_ALLOWED_DOMAINS=example.com"},
			want: func() serveConfig {
				c := defaultServeConfig()
				c.AdminEmail, c.AdminClientID, c.AdminClientSecret = "root@example.com", "ci", "0123456789abcdef0"
				c.AdminPassword, c.TokenTTL = "correct horse battery", time.Hour
				c.OIDCIssuer, c.OIDCClientID, c.OIDCClientSecret = "https://idp.example.com", "atrium", "s3cr3t"
				c.PublicURL, c.OIDCScopes, c.OIDCAllowedDomains = "https://portal.example.com", []string{"openid", "email", "groups"}, []string{"example.com"}
				return c
			}(),
		},
		{name: "admin id without secret", env: []string{"ATRIUM_ADMIN_CLIENT_ID=ci"}, wantErr: "set both or neither"},
		{name: "short admin secret", env: []string{"ATRIUM_ADMIN_CLIENT_ID=ci", "ATRIUM_ADMIN_CLIENT_SECRET=short"}, wantErr: "ATRIUM_ADMIN_CLIENT_SECRET: must be at least 16"},
		{name: "short admin password", env: []string{"ATRIUM_ADMIN_PASSWORD=short"}, wantErr: "ATRIUM_ADMIN_PASSWORD"},
		{name: "zero token ttl", args: []string{"--token-ttl", "0s"}, wantErr: "--token-ttl"},
		{name: "bad public url", args: []string{"--public-url", "portal"}, wantErr: "--public-url"},
		{name: "oidc without client id", env: []string{"ATRIUM_OIDC_ISSUER=https://idp", "ATRIUM_PUBLIC_URL=https://p"}, wantErr: "ATRIUM_OIDC_CLIENT_ID"},
		{name: "oidc without redirect", env: []string{"ATRIUM_OIDC_ISSUER=https://idp", "ATRIUM_OIDC_CLIENT_ID=a"}, wantErr: "ATRIUM_OIDC_REDIRECT_URL"},
		{
			name: "trusted proxies",
			env:  []string{"ATRIUM_TRUSTED_PROXIES=10.0.0.0/8, 192.168.1.7"},
			want: func() serveConfig {
				c := defaultServeConfig()
				c.TrustedProxies = []string{"10.0.0.0/8", " 192.168.1.7"}
				return c
			}(),
		},
		{name: "bad trusted proxy", env: []string{"ATRIUM_TRUSTED_PROXIES=10.0.0.0/8,proxy.local"}, wantErr: `ATRIUM_TRUSTED_PROXIES: want a CIDR or an IP address, got "proxy.local"`},
		{name: "oidc client without issuer", env: []string{"ATRIUM_OIDC_CLIENT_ID=a"}, wantErr: "ATRIUM_OIDC_ISSUER"},
		{name: "no port", args: []string{"--addr", "127.0.0.1"}, wantErr: "HOST:PORT"},
		{name: "unknown scheme", args: []string{"--db", "mysql://x"}, wantErr: `unknown store scheme "mysql"`},
		{name: "bad body limit", args: []string{"--max-body-bytes", "0"}, wantErr: "--max-body-bytes"},
		{name: "bad log level", env: []string{"ATRIUM_LOG_LEVEL=loud"}, wantErr: "--log-level"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fs := pflag.NewFlagSet("serve", pflag.ContinueOnError)
			addServeFlags(fs)
			if err := fs.Parse(tc.args); err != nil {
				t.Fatal(err)
			}
			got, err := loadServeConfig(fs, tc.env)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("loadServeConfig(%v, %v) error = %v, want it to mention %q", tc.args, tc.env, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("loadServeConfig(%v, %v): %v", tc.args, tc.env, err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("loadServeConfig(%v, %v) mismatch (-want +got):\n%s", tc.args, tc.env, diff)
			}
		})
	}
}

func TestRedactDB(t *testing.T) {
	t.Parallel()
	if got := redactDB("postgres://user:hunter2@host/db"); strings.Contains(got, "hunter2") {
		t.Errorf("redactDB leaks the password: %s", got)
	}
	if got := redactDB("./atrium.db"); got != "./atrium.db" {
		t.Errorf("redactDB(path) = %q", got)
	}
}

// TestSecretNeverPrinted: a config printed whole (say in a debug log or an
// error) shows secrets as <secret>.
func TestSecretNeverPrinted(t *testing.T) {
	t.Parallel()
	c := defaultServeConfig()
	c.AdminClientSecret, c.AdminPassword, c.OIDCClientSecret = "hunter2-hunter2-hunter2", "pass-word-123", "oidc-s3cr3t"
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		out := fmt.Sprintf(format, c)
		for _, s := range []string{"hunter2", "pass-word", "oidc-s3cr3t"} {
			if strings.Contains(out, s) {
				t.Errorf("Sprintf(%q, config) shows the secret %q: %s", format, s, out)
			}
		}
	}
	if got := c.AdminClientSecret.Reveal(); got != "hunter2-hunter2-hunter2" {
		t.Errorf("Reveal() = %q", got)
	}
}

func TestTrustedProxies(t *testing.T) {
	t.Parallel()
	c := defaultServeConfig()
	c.TrustedProxies = []string{"10.1.2.3/8", " 192.168.1.7", "::1", ""}
	got, err := c.trustedProxies()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"10.0.0.0/8", "192.168.1.7/32", "::1/128"}
	var gotS []string
	for _, p := range got {
		gotS = append(gotS, p.String())
	}
	if diff := cmp.Diff(want, gotS); diff != "" {
		t.Errorf("trustedProxies() mismatch (-want +got):\n%s", diff)
	}
}
