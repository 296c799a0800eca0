package access

import (
	"strings"
	"testing"

	"github.com/atrium-idp/atrium/internal/catalog"
	"github.com/atrium-idp/atrium/internal/store/dbtest"
)

func TestPasswordHash(t *testing.T) {
	t.Parallel()
	s := &Service{kdf: testArgon}
	h, err := s.hashPassword("correct horse battery")
	if err != nil {
		t.Fatalf("hashPassword: %v", err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("hashPassword = %q, want a PHC argon2id string with the test parameters", h)
	}
	h2, _ := s.hashPassword("correct horse battery")
	if h == h2 {
		t.Fatalf("two hashes of one password are equal: the salt is not random")
	}
	parts := strings.Split(h, "$")
	tests := []struct {
		name    string
		pw, phc string
		want    bool
		wantErr bool
	}{
		{"right", "correct horse battery", h, true, false},
		{"wrong", "correct horse batterY", h, false, false},
		{"empty", "", h, false, false},
		{"not phc", "x", "plain", false, true},
		{"bcrypt", "x", "$2a$12$abcdefghijklmnopqrstuv", false, true},
		{"bad version", "x", strings.Replace(h, "v=19", "v=16", 1), false, true},
		{"bad params", "x", strings.Replace(h, "m=64,t=1,p=1", "m=0,t=1,p=1", 1), false, true},
		{"huge memory", "x", strings.Replace(h, "m=64,", "m=99999999,", 1), false, true},
		{"bad salt", "x", "$" + strings.Join([]string{parts[1], parts[2], parts[3], "!!", parts[5]}, "$"), false, true},
		{"empty key", "x", "$" + strings.Join([]string{parts[1], parts[2], parts[3], parts[4], ""}, "$"), false, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := verifyPassword(tc.pw, tc.phc)
			if (err != nil) != tc.wantErr || got != tc.want {
				t.Fatalf("verifyPassword(%q, %q) = %v, %v; want %v, error %v", tc.pw, tc.phc, got, err, tc.want, tc.wantErr)
			}
		})
	}
}

// TestProductionParameters pins the cost docs/access.md promises, so a
// cheaper setting cannot slip into production unnoticed.
func TestProductionParameters(t *testing.T) {
	t.Parallel()
	if productionArgon != (argonParams{time: 2, memory: 64 * 1024, threads: 2}) {
		t.Fatalf("productionArgon = %+v, want t=2, m=64 MiB, p=2", productionArgon)
	}
	st := dbtest.OpenSQLite(t)
	cat, err := catalog.New(catalog.Options{Store: st})
	if err != nil {
		t.Fatalf("catalog.New: %v", err)
	}
	s, err := New(Options{Store: st, Catalog: cat})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if s.kdf != productionArgon {
		t.Fatalf("New without FastPasswordHashesForTests uses %+v, want production parameters", s.kdf)
	}
}

func TestCheckPassword(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pw   string
		want bool
	}{
		{"", false},
		{"elevenchars", false},
		{"twelve chars", true},
		{"ünïcödé-pass", true},
		{strings.Repeat("x", 1025), false},
	}
	for _, tc := range tests {
		if got := checkPassword(tc.pw) == ""; got != tc.want {
			t.Errorf("checkPassword(%.20q) ok = %v, want %v", tc.pw, got, tc.want)
		}
	}
}
