package oidc

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/atrium-idp/atrium/internal/model"
)

// FlowTTL is how long a sign-in may take between Begin and Finish.
const FlowTTL = 10 * time.Minute

// maxFlowCookie bounds what DecodeFlow reads: an encoded Flow is about 300
// bytes, and browsers cap a cookie at 4096.
const maxFlowCookie = 4096

// Flow is one sign-in in progress: what Finish needs to check the provider's
// answer. The HTTP layer keeps it in an HttpOnly cookie between the login
// redirect and the callback, and deletes the cookie when the callback runs, so
// a flow is used once. It holds no secret of Atrium's: the state, nonce and
// PKCE verifier are worthless without the browser that started the flow.
type Flow struct {
	// State is echoed by the provider on the callback; it ties the callback to this browser.
	State string
	// Nonce must come back inside the ID token; it ties the token to this flow.
	Nonce string
	// Verifier is the PKCE code verifier (RFC 7636) sent with the code exchange.
	Verifier string
	// ReturnTo is the local path to send the browser to after sign-in.
	ReturnTo string
	// Expires is when the flow stops being accepted (whole seconds, UTC).
	Expires time.Time
}

// flowJSON is Flow's cookie shape: short keys keep the cookie small.
type flowJSON struct {
	State    string `json:"s"`
	Nonce    string `json:"n"`
	Verifier string `json:"v"`
	ReturnTo string `json:"r"`
	Expires  int64  `json:"e"`
}

// Encode returns f as a compact, URL-safe string fit for a cookie value.
func (f Flow) Encode() string {
	b, _ := json.Marshal(flowJSON{f.State, f.Nonce, f.Verifier, f.ReturnTo, f.Expires.Unix()}) // cannot fail: strings and an int
	return base64.RawURLEncoding.EncodeToString(b)
}

// DecodeFlow parses a cookie value written by Flow.Encode. A value that is
// not one (tampered, truncated, from another version) is an
// ErrUnauthenticated-kind error: the sign-in must start again.
func DecodeFlow(s string) (Flow, error) {
	bad := func(why string) (Flow, error) {
		return Flow{}, unauthenticated("sign-in cookie is invalid (%s); start the sign-in again", why)
	}
	if s == "" {
		return bad("missing")
	}
	if len(s) > maxFlowCookie {
		return bad("too long")
	}
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return bad("not base64url")
	}
	var j flowJSON
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&j); err != nil || dec.More() {
		return bad("not a sign-in flow")
	}
	switch {
	case !isToken(j.State):
		return bad("state")
	case !isToken(j.Nonce):
		return bad("nonce")
	case !isVerifier(j.Verifier):
		return bad("verifier")
	case j.Expires <= 0:
		return bad("expiry")
	case LocalPath(j.ReturnTo) != j.ReturnTo:
		return bad("return path")
	}
	return Flow{State: j.State, Nonce: j.Nonce, Verifier: j.Verifier, ReturnTo: j.ReturnTo, Expires: time.Unix(j.Expires, 0).UTC()}, nil
}

// isToken accepts the random values Begin makes: 1–256 URL-safe characters.
func isToken(s string) bool {
	if s == "" || len(s) > 256 {
		return false
	}
	return strings.IndexFunc(s, func(r rune) bool { return !isUnreserved(r) }) < 0
}

// isVerifier accepts an RFC 7636 code verifier: 43–128 unreserved characters.
func isVerifier(s string) bool {
	return len(s) >= 43 && len(s) <= 128 && isToken(s)
}

func isUnreserved(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-._~", r)
}

// LocalPath returns p when it is a path on this server ("/catalog?x=1"), else
// "/". It refuses anything a browser could take to another origin: absolute
// and scheme-relative URLs ("//evil.example"), backslashes (which browsers
// read as slashes), and control characters.
func LocalPath(p string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || len(p) > 2048 {
		return "/"
	}
	if strings.ContainsAny(p, `\`) || strings.ContainsFunc(p, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return "/"
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return "/"
	}
	return p
}

// unauthenticated returns an ErrUnauthenticated-kind error with a message for users.
func unauthenticated(format string, args ...any) error {
	return &Error{Kind: model.ErrUnauthenticated, Message: "OIDC sign-in: " + fmt.Sprintf(format, args...)}
}
