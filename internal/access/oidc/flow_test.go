package oidc_test

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/atrium-idp/atrium/internal/access/oidc"
	"github.com/atrium-idp/atrium/internal/model"
)

// validFlow is a flow as Begin makes it.
var validFlow = oidc.Flow{
	State: "K7Q2LMZ4XJ3VN5RWBTYH6PC2DA", Nonce: "M4TQ7ZL2VXJ6NB3RHWK5YC8PDE",
	Verifier: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", ReturnTo: "/catalog?tab=2",
	Expires: time.Date(2031, 3, 4, 5, 16, 7, 0, time.UTC),
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func TestFlowRoundTrip(t *testing.T) {
	t.Parallel()
	fx := setup(t, nil)
	_, begun, err := fx.p.Begin("/x?y=1")
	if err != nil {
		t.Fatalf("Begin: %v", err)
	}
	for _, f := range []oidc.Flow{validFlow, begun} {
		enc := f.Encode()
		if strings.ContainsAny(enc, "=+/;, ") {
			t.Errorf("Encode() = %q; want a URL- and cookie-safe value", enc)
		}
		got, err := oidc.DecodeFlow(enc)
		if err != nil {
			t.Fatalf("DecodeFlow(%q): %v", enc, err)
		}
		if diff := cmp.Diff(f, got); diff != "" {
			t.Errorf("DecodeFlow(Encode()) (-want +got):\n%s", diff)
		}
	}
}

func TestDecodeFlowRefuses(t *testing.T) {
	t.Parallel()
	edit := func(change func(*oidc.Flow)) string {
		f := validFlow
		change(&f)
		return f.Encode()
	}
	tests := []struct {
		name, in, wantMsg string
	}{
		{"empty", "", "missing"},
		{"not base64", "***", "not base64url"},
		{"padded base64", base64.URLEncoding.EncodeToString([]byte(`{"s":"ab"}`)), "not base64url"},
		{"not JSON", b64("hello"), "not a sign-in flow"},
		{"unknown field", b64(`{"s":"a","n":"b","v":"c","r":"/","e":1,"x":1}`), "not a sign-in flow"},
		{"trailing data", b64(`{"s":"a"} {}`), "not a sign-in flow"},
		{"too long", strings.Repeat("A", 5000), "too long"},
		{"no state", edit(func(f *oidc.Flow) { f.State = "" }), "(state)"},
		{"state with a quote", edit(func(f *oidc.Flow) { f.State = `a"b` }), "(state)"},
		{"no nonce", edit(func(f *oidc.Flow) { f.Nonce = "" }), "(nonce)"},
		{"short verifier", edit(func(f *oidc.Flow) { f.Verifier = "abc" }), "(verifier)"},
		{"no expiry", b64(`{"s":"a","n":"b","v":"dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk","r":"/"}`), "(expiry)"},
		{"foreign return path", edit(func(f *oidc.Flow) { f.ReturnTo = "//evil.example" }), "(return path)"},
		{"empty return path", edit(func(f *oidc.Flow) { f.ReturnTo = "" }), "(return path)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := oidc.DecodeFlow(tc.in)
			if !errors.Is(err, model.ErrUnauthenticated) || !strings.Contains(err.Error(), tc.wantMsg) {
				t.Fatalf("DecodeFlow(%q) = %+v, %v; want an unauthenticated error containing %q", tc.in, got, err, tc.wantMsg)
			}
		})
	}
}

// FuzzDecodeFlow: DecodeFlow never panics, refuses with the unauthenticated
// kind, and whatever it accepts re-encodes to a value that decodes the same.
func FuzzDecodeFlow(f *testing.F) {
	f.Add(validFlow.Encode())
	f.Add("")
	f.Add(b64(`{"s":"a","n":"b","v":"dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk","r":"/","e":1}`))
	f.Add(b64(`{"s":"a","n":"b","v":"dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk","r":"/\\x","e":-1}`))
	f.Add(b64(`[]`))
	f.Fuzz(func(t *testing.T, s string) {
		flow, err := oidc.DecodeFlow(s)
		if err != nil {
			if !errors.Is(err, model.ErrUnauthenticated) {
				t.Fatalf("DecodeFlow(%q) error %v is not ErrUnauthenticated", s, err)
			}
			return
		}
		if oidc.LocalPath(flow.ReturnTo) != flow.ReturnTo || !strings.HasPrefix(flow.ReturnTo, "/") {
			t.Fatalf("DecodeFlow(%q) accepted return path %q", s, flow.ReturnTo)
		}
		again, err := oidc.DecodeFlow(flow.Encode())
		if err != nil {
			t.Fatalf("DecodeFlow(Encode(%+v)): %v", flow, err)
		}
		if diff := cmp.Diff(flow, again); diff != "" {
			t.Fatalf("round trip of %q (-first +second):\n%s", s, diff)
		}
	})
}
