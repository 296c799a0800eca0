package main

import (
	"strings"
	"testing"

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
		{name: "all interfaces refused", args: []string{"--addr", ":7780"}, wantErr: "not a loopback address"},
		{name: "public address refused", env: []string{"ATRIUM_ADDR=0.0.0.0:7780"}, wantErr: "--addr (ATRIUM_ADDR)"},
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
			if got != tc.want {
				t.Errorf("loadServeConfig(%v, %v) = %+v, want %+v", tc.args, tc.env, got, tc.want)
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
